import type { CompiledRoute, Verdict } from '../decision/index.ts';
import { letsThrough, statusFor } from '../decision/index.ts';
import type { Decision, Principal, Reason, RequestInfo } from '../model/index.ts';
import { REASONS } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import { flavourFor, renderDeny, wwwAuthenticate } from '../proxy/index.ts';
import type { ForwardAuthRuntime } from './runtime.ts';
import { challengeHeader, isBrowser, signInLocation, signInMayHelp } from './sign-in.ts';

/**
 * The answer to one check, in protocol-neutral form: the HTTP forward-auth handler writes it
 * as a response, the ext_authz service turns it into a CheckResponse.
 */
export interface Answer {
  /** 200 allow; 401 / 302 sign in; 403 denied; 500 internal error (a deny). */
  readonly status: number;
  readonly allow: boolean;
  /** The decision recorded for audit and metrics. */
  readonly decision: Decision;
  /**
   * Allow: identity headers for the upstream request (assertion, claim headers, extra
   * response headers). Deny: headers for the client (location, www-authenticate, reason).
   * Flat [name, value, …], lower-case names.
   */
  readonly headers: readonly string[];
  readonly contentType?: string;
  readonly body: string;
}

/** Identity headers for an allowed request ([name, value, …]); may throw (-> internal-error deny). */
export type Propagate = (
  decision: Decision,
  route: CompiledRoute,
  info: RequestInfo,
  nowSeconds: number,
) => string[];

export interface AnswerContext {
  readonly rt: ForwardAuthRuntime;
  /** How the peer wants a browser's sign-in: 401 it redirects itself, or 302 passed on. */
  readonly browserSignIn: 401 | 302;
  readonly propagate: Propagate;
  readonly nowSeconds: number;
}

/** Answer a verdict of `decide()`. Never throws. */
export function answerFor(verdict: Verdict, info: RequestInfo, ctx: AnswerContext): Answer {
  const { decision, route } = verdict;
  if (!letsThrough(decision)) return denyAnswer(decision, info, ctx);
  if (!route) return denyAnswer(internalError(decision), info, ctx);
  let identity: string[];
  try {
    identity = ctx.propagate(decision, route, info, ctx.nowSeconds);
  } catch (err) {
    publish.internalError({ where: 'forward-auth.propagate', requestId: info.id, error: err });
    return denyAnswer(internalError(decision), info, ctx);
  }
  const headers = identity.map((v, i) => (i % 2 === 0 ? v.toLowerCase() : v));
  headers.push(...extraHeaders(ctx.rt.config.responseHeaders, decision.principal));
  headers.push('x-request-id', info.id);
  return { status: 200, allow: true, decision, headers, body: '' };
}

/**
 * The status a denial is answered with: the proxy's (statusFor), except that 404 and 400
 * become 403. The ingress already routed the request; and nginx `auth_request` turns any
 * status but 401 / 403 into its own 500, which would hide the reason.
 */
export function denyStatus(decision: Decision): number {
  const s = statusFor(decision);
  return s === 404 || s === 400 ? 403 : s;
}

function denyAnswer(decision: Decision, info: RequestInfo, ctx: AnswerContext): Answer {
  const status = denyStatus(decision);
  const reason: Reason = decision.reasons[0] ?? 'internal-error';
  const headers = ['cache-control', 'no-store', 'x-request-id', info.id, 'x-gatehouse-reason', reason];
  if (status === 401 && isBrowser(info.headers) && signInMayHelp(decision)) {
    const location = signInLocation(ctx.rt.config.signInUrl, info, decision.challenge);
    headers.push('location', location);
    if (ctx.browserSignIn === 302) {
      return { status: 302, allow: false, decision, headers, body: '' };
    }
  }
  if (status === 401) headers.push('www-authenticate', challengeHeader(decision, wwwAuthenticate));
  const accept = typeof info.headers.accept === 'string' ? info.headers.accept : undefined;
  const rendered = renderDeny(
    { status, code: reason, message: REASONS[reason] ?? 'access denied', requestId: info.id },
    flavourFor(accept),
  );
  return {
    status,
    allow: false,
    decision,
    headers,
    contentType: rendered.contentType,
    body: rendered.payload,
  };
}

/**
 * A check refused before any decision (untrusted peer, missing or conflicting headers, an
 * original request the proxy would refuse): 403 with the reason, or 500 for internal errors.
 */
export function refusal(
  reason: Reason,
  requestId: string,
  accept: string | undefined,
  detail?: string,
): Answer {
  const decision: Decision = {
    outcome: 'deny',
    mode: 'enforce',
    reasons: [reason],
    ...(detail ? { detail } : {}),
  };
  const status = reason === 'internal-error' ? 500 : reason === 'route-not-found' ? 404 : 403;
  const rendered = renderDeny(
    { status, code: reason, message: REASONS[reason], requestId },
    flavourFor(accept),
  );
  return {
    status,
    allow: false,
    decision,
    headers: ['cache-control', 'no-store', 'x-request-id', requestId, 'x-gatehouse-reason', reason],
    contentType: rendered.contentType,
    body: rendered.payload,
  };
}

function internalError(decision: Decision): Decision {
  return {
    ...decision,
    outcome: 'deny',
    mode: 'enforce',
    reasons: ['internal-error'],
  };
}

const HEADER_VALUE = /^[\x20-\x7e]*$/;

/** `forwardAuth.responseHeaders` for a principal ([name, value, …]); unusable values are left out. */
export function extraHeaders(
  spec: Readonly<Record<string, string>>,
  principal: Principal | undefined,
): string[] {
  if (!principal) return [];
  const out: string[] = [];
  for (const [name, source] of Object.entries(spec)) {
    const value = principalValue(principal, source);
    if (value !== undefined && value !== '' && HEADER_VALUE.test(value)) out.push(name.toLowerCase(), value);
  }
  return out;
}

function principalValue(p: Principal, source: string): string | undefined {
  switch (source) {
    case 'subject':
      return p.subject;
    case 'email':
      return p.email;
    case 'groups':
      return p.groups.filter((g) => !g.includes(',')).join(',');
    case 'issuer':
      return p.issuer;
    case 'kind':
      return p.kind;
    case 'spiffeId':
      return p.spiffe?.id;
    case 'namespace':
      return p.kubernetes?.namespace;
    case 'serviceAccount':
      return p.kubernetes?.serviceAccount;
  }
  if (!source.startsWith('claim:')) return undefined;
  const v = p.claims[source.slice(6)];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && !x.includes(','))) return v.join(',');
  return undefined;
}
