import type { AdapterName, ForwardAuthAdapter, RebuildContext, Rebuilt } from '../adapter.ts';
import { missing, X_FORWARDED_HEADERS } from '../description.ts';

/**
 * The X-Forwarded dialect Traefik ForwardAuth and Caddy `forward_auth` share: all four of
 * `X-Forwarded-Method`, `-Proto`, `-Host` and `-Uri` are required (both peers always send
 * them, overwriting a client's copies). Both hand a non-2xx answer to the client, so a
 * browser gets 302 to the sign-in URL.
 */
export function xForwardedAdapter(name: AdapterName): ForwardAuthAdapter {
  return {
    name,
    browserSignIn: 302,
    claims: (h) => X_FORWARDED_HEADERS.some((n) => h.has(n)),
    rebuild(ctx: RebuildContext): Rebuilt {
      const d = ctx.described;
      if (d.method === undefined) return missing('x-forwarded-method missing');
      if (d.target === undefined) return missing('x-forwarded-uri missing');
      if (d.authority === undefined) return missing('x-forwarded-host missing');
      if (d.scheme === undefined) return missing('x-forwarded-proto missing');
      return {
        ok: true,
        original: { method: d.method, target: d.target, authority: d.authority, scheme: d.scheme },
      };
    },
  };
}
