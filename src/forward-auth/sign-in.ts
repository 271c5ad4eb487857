import type { IncomingHttpHeaders } from 'node:http';
import { loginMayHelp } from '../decision/index.ts';
import type { ChallengeRequirement, Decision, RequestInfo } from '../model/index.ts';

/**
 * Whether the caller is a browser navigating (it can follow a sign-in redirect), rather than
 * an API client (it gets 401 and WWW-Authenticate). The forward-auth peers pass the client's
 * Accept and Sec-Fetch-Mode on (Envoy only when allowed_headers lists them).
 */
export function isBrowser(headers: IncomingHttpHeaders): boolean {
  if (headers['sec-fetch-mode'] === 'navigate') return true;
  const accept = headers.accept;
  return typeof accept === 'string' && accept.toLowerCase().includes('text/html');
}

/** The URL the client asked for: scheme, host, port when not the scheme's default, path, query. */
export function originalUrl(info: RequestInfo): string {
  return `${origin(info)}${info.path}${info.query ? `?${info.query}` : ''}`;
}

function origin(info: RequestInfo): string {
  const defaultPort = info.scheme === 'https' ? 443 : 80;
  return `${info.scheme}://${info.host}${info.port === defaultPort ? '' : `:${info.port}`}`;
}

/**
 * Where a browser goes to sign in: `signInUrl` (a path is taken on the original host) with
 * `rd` = the original URL, so the login lands back where the user was, across hosts. A
 * challenge (step-up) adds what the policy asks for: `max_age` (seconds), `acr_values` and
 * `amr_values` (space-separated), the parameters `/.gatehouse/login` takes (src/sso/login.ts).
 */
export function signInLocation(
  signInUrl: string,
  info: RequestInfo,
  challenge?: ChallengeRequirement,
): string {
  const base = signInUrl.startsWith('/') ? `${origin(info)}${signInUrl}` : signInUrl;
  const params = new URLSearchParams({ rd: originalUrl(info) });
  if (challenge?.maxAgeSeconds !== undefined) params.set('max_age', String(challenge.maxAgeSeconds));
  if (challenge?.acr && challenge.acr.length > 0) params.set('acr_values', challenge.acr.join(' '));
  if (challenge?.amr && challenge.amr.length > 0) params.set('amr_values', challenge.amr.join(' '));
  return `${base}${base.includes('?') ? '&' : '?'}${params.toString()}`;
}

/**
 * Whether signing in could turn this decision into an allow (the SSO room's rule, see
 * src/sso/challenge.ts): a step-up challenge, or no identity / a dead session. A presented
 * bearer token or certificate that failed means the caller is a program: it gets 401.
 */
export function signInMayHelp(decision: Decision): boolean {
  if (decision.outcome === 'challenge') return decision.mode === 'enforce';
  return loginMayHelp(decision);
}

/**
 * The WWW-Authenticate of a 401: the proxy's (RFC 6750) for a missing or bad credential; for a
 * step-up challenge RFC 9470's `insufficient_user_authentication` with what the policy asks.
 */
export function challengeHeader(decision: Decision, fallback: (d: Decision) => string): string {
  if (decision.outcome !== 'challenge') return fallback(decision);
  const c = decision.challenge;
  let h = `Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="${decision.reasons[0] ?? 'challenge'}"`;
  if (c?.acr?.length) h += `, acr_values="${c.acr.join(' ')}"`;
  if (c?.maxAgeSeconds !== undefined) h += `, max_age=${c.maxAgeSeconds}`;
  return h;
}
