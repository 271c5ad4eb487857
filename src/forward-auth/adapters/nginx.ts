import type { ForwardAuthAdapter, RebuildContext, Rebuilt } from '../adapter.ts';
import { missing, NGINX_HEADERS } from '../description.ts';

/**
 * nginx `auth_request` and ingress-nginx `auth-url`. The original request comes from
 * `X-Original-URI` (nginx) or `X-Original-URL` (ingress-nginx: `$scheme://$http_host$request_uri`)
 * and `X-Original-Method`; the host from `X-Original-URL`, else `X-Forwarded-Host`, else the
 * Host header (`proxy_set_header Host $host`); the scheme from `X-Original-URL` or
 * `X-Forwarded-Proto`. nginx only passes 401 and 403 on (anything else is its 500), so a
 * browser gets 401 with the sign-in location for `error_page 401` / `auth-signin`.
 */
export const nginxAdapter: ForwardAuthAdapter = {
  name: 'nginx',
  browserSignIn: 401,
  claims: (h) => NGINX_HEADERS.some((name) => h.has(name)),
  rebuild(ctx: RebuildContext): Rebuilt {
    const d = ctx.described;
    if (d.method === undefined) return missing('x-original-method missing');
    if (d.target === undefined) return missing('x-original-uri (or x-original-url) missing');
    const authority = d.authority ?? ctx.host;
    if (authority === undefined) return missing('no host: set X-Forwarded-Host or Host');
    return {
      ok: true,
      original: {
        method: d.method,
        target: d.target,
        authority,
        ...(d.scheme !== undefined ? { scheme: d.scheme } : {}),
      },
    };
  },
};
