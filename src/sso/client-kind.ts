import type { RequestInfo } from '../model/index.ts';

/**
 * Browser navigation or API call? A navigation is sent to sign in (302); an API call gets
 * 401 with `WWW-Authenticate` and a JSON body naming the sign-in URL, because a redirect to
 * an HTML login page is useless (and confusing) to a script.
 *
 * API when any of: the route is listed in `apiRoutes`; a CORS preflight; `Sec-Fetch-Mode`
 * present and not `navigate` (fetch/XHR from a page); `X-Requested-With`; `Accept` prefers
 * JSON over HTML or does not accept HTML at all; a method other than GET/HEAD without
 * `Sec-Fetch-Mode: navigate` (a form post is a navigation, a script's POST is not).
 */
export function isApiRequest(
  info: RequestInfo,
  routeId: string | undefined,
  apiRoutes: ReadonlySet<string>,
): boolean {
  if (routeId !== undefined && apiRoutes.has(routeId)) return true;
  const h = info.headers ?? {};
  const mode = single(h['sec-fetch-mode']);
  if (info.method === 'OPTIONS' && h['access-control-request-method'] !== undefined) return true;
  if (mode !== undefined) return mode.toLowerCase() !== 'navigate';
  if (h['x-requested-with'] !== undefined) return true;
  if (info.method !== 'GET' && info.method !== 'HEAD') return true;
  const accept = (single(h.accept) ?? '').toLowerCase();
  const html = accept.indexOf('text/html');
  if (html === -1) return true;
  const json = accept.indexOf('json');
  return json !== -1 && json < html;
}

function single(v: string | string[] | undefined): string | undefined {
  if (typeof v === 'string') return v;
  return Array.isArray(v) ? v[0] : undefined;
}
