import type { ForwardAuthAdapter, RebuildContext, Rebuilt } from '../adapter.ts';
import { compareHosts, conflict, invalid, missing } from '../description.ts';

/**
 * Envoy `ext_authz` with an HTTP service: Envoy sends the original method, `path_prefix` +
 * the original path (and query), and the original Host / `:authority`, with the headers in
 * `allowed_headers`. Headers describing the request another way (a client's
 * `X-Forwarded-Uri` let through) must agree. Envoy hands a denial to the client, so a
 * browser gets 302 to the sign-in URL.
 */
export const envoyHttpAdapter: ForwardAuthAdapter = {
  name: 'envoy-http',
  browserSignIn: 302,
  claims: () => false,
  rebuild(ctx: RebuildContext): Rebuilt {
    const prefix = ctx.envoyPathPrefix;
    if (!ctx.url.startsWith(prefix)) return invalid('path does not start with the ext_authz path prefix');
    const rest = ctx.url.slice(prefix.length);
    if (rest !== '' && !rest.startsWith('/') && !rest.startsWith('?'))
      return invalid('path does not continue the ext_authz path prefix with "/"');
    const target = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
    if (ctx.host === undefined) return missing('host missing');
    const d = ctx.described;
    if (d.method !== undefined && d.method !== ctx.method)
      return conflict('method headers disagree with the request');
    if (d.target !== undefined && d.target !== target) return conflict('uri headers disagree with the path');
    if (d.authority !== undefined) {
      const disagree = compareHosts([
        ['host', ctx.host],
        ['x-forwarded-host', d.authority],
      ]);
      if (disagree) return disagree;
    }
    return {
      ok: true,
      original: {
        method: ctx.method,
        target,
        authority: ctx.host,
        ...(d.scheme !== undefined ? { scheme: d.scheme } : {}),
      },
    };
  },
};
