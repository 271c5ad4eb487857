import type { RouteAssertion } from '../assertion/index.ts';
import type { Config, ConfigProblem } from '../config/index.ts';
import { routeId } from '../config/index.ts';
import type { Authenticator } from '../identity/authenticator.ts';
import { buildRouteTable, normaliseTarget, type RouteTable } from '../routing/index.ts';
import type { CompiledRoute, RoutePolicy } from './route.ts';

/**
 * An engine is one immutable snapshot of everything `decide()` needs: the route table,
 * the authenticators and the compiled policies. Reload builds a new engine and swaps it in
 * one assignment; requests in flight keep the engine they started with.
 */
export interface Engine {
  readonly generation: number;
  readonly config: Config;
  readonly routes: readonly CompiledRoute[];
  readonly table: RouteTable<CompiledRoute>;
  readonly authenticators: readonly Authenticator[];
  close(): void;
}

/** Hooks that later rooms plug in (policy compiler, authenticator factories). */
export interface EngineParts {
  /** Compile `policies` once; routes naming one share the compiled policy. */
  compilePolicies?: (config: Config) => {
    named: Readonly<Record<string, unknown>>;
    problems: ConfigProblem[];
  };
  compilePolicy?: (
    route: Config['routes'][number],
    index: number,
    config: Config,
    named: Readonly<Record<string, unknown>>,
  ) => { policy?: RoutePolicy; problems: ConfigProblem[] };
  buildAuthenticators?: (
    config: Config,
    previous?: Engine,
  ) => { authenticators: Authenticator[]; problems: ConfigProblem[] };
}

const DEFAULT_TIMEOUTS = { connectMs: 5_000, headersMs: 30_000, idleMs: 60_000, totalMs: 0 } as const;

export type BuildResult =
  | { ok: true; engine: Engine; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[] };

/** Compile a validated config into an engine, or report every problem with its pointer. */
export function buildEngine(
  config: Config,
  generation: number,
  parts: EngineParts = {},
  previous?: Engine,
): BuildResult {
  const problems: ConfigProblem[] = [];
  let named: Readonly<Record<string, unknown>> = {};
  if (parts.compilePolicies) {
    const compiled = parts.compilePolicies(config);
    problems.push(...compiled.problems);
    named = compiled.named;
  }
  const routes: CompiledRoute[] = config.routes.map((route, index) => {
    const canonical = normaliseTarget(route.match.path, 'route.invalid', {
      mergeSlashes: config.proxy.mergeSlashes,
      allowSemicolons: config.proxy.allowSemicolons,
    });
    if (!canonical.ok || canonical.path !== route.match.path) {
      problems.push({
        severity: 'error',
        pointer: `/routes/${index}/match/path`,
        message: canonical.ok
          ? `path "${route.match.path}" is not in canonical form (requests are matched on "${canonical.path}"): write it that way`
          : `path "${route.match.path}" can never match a request: ${canonical.detail}`,
      });
    }
    let policy: RoutePolicy | undefined;
    if (route.policy !== undefined && parts.compilePolicy) {
      const compiled = parts.compilePolicy(route, index, config, named);
      problems.push(...compiled.problems);
      policy = compiled.policy;
    }
    const upstream = typeof route.upstream === 'string' ? { url: route.upstream } : route.upstream;
    const timeouts = {
      ...DEFAULT_TIMEOUTS,
      ...stripUndefined(config.proxy.timeouts),
      ...stripUndefined(upstream?.timeouts ?? {}),
      ...stripUndefined(route.timeouts ?? {}),
    };
    return Object.freeze({
      id: routeId(route, index),
      index,
      public: route.public,
      mode: route.mode,
      ...(policy ? { policy } : {}),
      ...(upstream ? { upstream } : {}),
      maxBodyBytes: route.maxBodyBytes ?? config.proxy.maxBodyBytes,
      timeouts,
      forwardAuthorization: route.forwardAuthorization,
      requireMtls: route.requireMtls,
      ...(route.listeners ? { listeners: new Set(route.listeners) } : {}),
      assertion: routeAssertion(route, upstream?.url),
      config: route,
    });
  });

  let authenticators: Authenticator[] = [];
  if (parts.buildAuthenticators) {
    const built = parts.buildAuthenticators(config, previous);
    problems.push(...built.problems);
    authenticators = built.authenticators;
  }

  if (problems.some((p) => p.severity === 'error')) {
    for (const a of authenticators) a.close?.();
    return { ok: false, problems };
  }

  let table: RouteTable<CompiledRoute>;
  try {
    table = buildRouteTable(
      routes.map((r) => ({
        host: r.config.match.host,
        path: r.config.match.path,
        pathMatch: r.config.match.pathMatch,
        value: r,
      })),
    );
  } catch (err) {
    for (const a of authenticators) a.close?.();
    return {
      ok: false,
      problems: [{ severity: 'error', pointer: '/routes', message: (err as Error).message }],
    };
  }
  const engine: Engine = {
    generation,
    config,
    routes,
    table,
    authenticators,
    close() {
      for (const a of authenticators) a.close?.();
    },
  };
  return { ok: true, engine, warnings: problems };
}

function routeAssertion(route: Config['routes'][number], upstreamUrl: string | undefined): RouteAssertion {
  const a = route.assertion;
  let audience = a.audience;
  if (!audience) {
    // default: the upstream origin; for a forward-auth-only route (no upstream), its exact host
    const host = route.match.host.toLowerCase().replace(/\.$/, '');
    const fallback = host.includes('*') ? 'gatehouse' : host;
    try {
      audience = upstreamUrl ? new URL(upstreamUrl).origin : fallback;
    } catch {
      audience = fallback;
    }
  }
  const claims = Object.freeze([...a.claims]);
  return Object.freeze({
    enabled: a.enabled,
    audience,
    claims,
    maxBytes: a.maxBytes,
    claimsKey: claims.join(','),
    ...(a.headers ? { plainHeaders: Object.freeze({ ...a.headers }) } : {}),
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
