import { xForwardedAdapter } from './x-forwarded.ts';

/**
 * Caddy `forward_auth`: a `reverse_proxy` that sends GET with `X-Forwarded-Method` and
 * `X-Forwarded-Uri` (plus `X-Forwarded-Host/-Proto/-For` from reverse_proxy); on 2xx it copies
 * `copy_headers` into the original request. The same dialect as Traefik: the separate name
 * (endpoint `/.gatehouse/auth/caddy`) labels the audit record.
 */
export const caddyAdapter = xForwardedAdapter('caddy');
