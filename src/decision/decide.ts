import type { AuthnResult } from '../identity/authenticator.ts';
import type { Decision, Principal, Reason, RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import type { Engine } from './engine.ts';
import type { CompiledRoute } from './route.ts';

/** The result of `decide()`: the decision and, when one matched, the route. */
export interface Verdict {
  readonly decision: Decision;
  readonly route?: CompiledRoute;
}

const NO_ROUTE: Verdict = Object.freeze({
  decision: Object.freeze({ outcome: 'deny', mode: 'enforce', reasons: Object.freeze(['route-not-found']) }),
}) as Verdict;

/**
 * The one decision function shared by the proxy and every forward-auth adapter:
 * route -> authenticate -> authorize. It never throws: an unexpected exception is a deny
 * with reason `internal-error` (fail closed). It returns synchronously when every stage
 * could answer from memory (public routes, cached credentials), so the hot path allocates
 * no promise.
 */
export function decide(engine: Engine, request: RequestInfo, nowSeconds: number): Verdict | Promise<Verdict> {
  let route: CompiledRoute | undefined;
  try {
    route = engine.table.lookup(request.host, request.path);
    if (route === undefined || (route.listeners !== undefined && !route.listeners.has(request.listener))) {
      return NO_ROUTE;
    }
    if (route.public) return publicVerdict(route);
    const authn = authenticate(engine, request, nowSeconds, 0);
    if (authn instanceof Promise) {
      const r = route;
      return authn.then(
        (result) => authorize(r, request, nowSeconds, result),
        (err) => internalError(r, request, err),
      );
    }
    return authorize(route, request, nowSeconds, authn);
  } catch (err) {
    return internalError(route, request, err);
  }
}

const publicVerdicts = new WeakMap<CompiledRoute, Verdict>();
function publicVerdict(route: CompiledRoute): Verdict {
  let v = publicVerdicts.get(route);
  if (!v) {
    v = Object.freeze({
      route,
      decision: Object.freeze({
        outcome: 'allow',
        mode: route.mode,
        reasons: Object.freeze(['public-route']),
        routeId: route.id,
      }),
    }) as Verdict;
    publicVerdicts.set(route, v);
  }
  return v;
}

/**
 * Ask each authenticator in turn. `not-mine` passes to the next; `denied` stops (a bad
 * credential never falls through to a weaker one); `authenticated` yields the principal.
 */
function authenticate(
  engine: Engine,
  request: RequestInfo,
  nowSeconds: number,
  from: number,
): AuthnResult | Promise<AuthnResult> {
  const list = engine.authenticators;
  for (let i = from; i < list.length; i++) {
    const result = list[i]!.authenticate(request, nowSeconds);
    if (result instanceof Promise) {
      return result.then((r) =>
        r.status === 'not-mine' ? authenticate(engine, request, nowSeconds, i + 1) : r,
      );
    }
    if (result.status !== 'not-mine') return result;
  }
  return { status: 'not-mine' };
}

function authorize(
  route: CompiledRoute,
  request: RequestInfo,
  nowSeconds: number,
  authn: AuthnResult,
): Verdict {
  try {
    if (authn.status === 'denied') {
      return verdict(route, 'deny', [authn.reason], undefined, authn.detail);
    }
    const principal = authn.status === 'authenticated' ? authn.principal : undefined;
    if (route.requireMtls && principal?.method !== 'mtls') {
      return verdict(
        route,
        'deny',
        [request.clientCertificate ? 'mtls-required' : 'cert-required'],
        principal,
      );
    }
    if (!route.policy) {
      return verdict(route, 'deny', ['route-denied'], principal);
    }
    const result = route.policy.evaluate({
      ...(principal ? { principal } : {}),
      request,
      nowSeconds,
      routeId: route.id,
    });
    return {
      route,
      decision: {
        outcome: result.outcome,
        mode: route.mode,
        reasons: result.reasons,
        routeId: route.id,
        ...(result.ruleId ? { ruleId: result.ruleId } : {}),
        ...(principal ? { principal } : {}),
        ...(result.challenge ? { challenge: result.challenge } : {}),
      },
    };
  } catch (err) {
    return internalError(route, request, err);
  }
}

function verdict(
  route: CompiledRoute,
  outcome: Decision['outcome'],
  reasons: Reason[],
  principal?: Principal,
  detail?: string,
): Verdict {
  return {
    route,
    decision: {
      outcome,
      mode: route.mode,
      reasons,
      routeId: route.id,
      ...(principal ? { principal } : {}),
      ...(detail ? { detail } : {}),
    },
  };
}

function internalError(route: CompiledRoute | undefined, request: RequestInfo, err: unknown): Verdict {
  publish.internalError({ where: 'decide', requestId: request.id, error: err });
  // Audit mode never lets an internal error through: fail closed regardless of mode.
  return {
    ...(route ? { route } : {}),
    decision: {
      outcome: 'deny',
      mode: 'enforce',
      reasons: ['internal-error'],
      ...(route ? { routeId: route.id } : {}),
    },
  };
}

/** Whether the data plane should forward: allowed, or denied on an audit-mode route. */
export function letsThrough(decision: Decision): boolean {
  return (
    decision.outcome === 'allow' || (decision.mode === 'audit' && decision.reasons[0] !== 'internal-error')
  );
}
