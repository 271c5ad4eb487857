import type { IncomingHttpHeaders } from 'node:http';
import type { ChallengeRequirement, RequestInfo } from '../model/index.ts';

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
 * challenge (step-up) adds what the policy asks for: `max_age` (seconds) and `acr_values`
 * (space-separated), the OIDC names the sign-in endpoint passes to the provider.
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
  return `${base}${base.includes('?') ? '&' : '?'}${params.toString()}`;
}
