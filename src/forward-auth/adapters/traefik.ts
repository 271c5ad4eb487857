import { xForwardedAdapter } from './x-forwarded.ts';

/**
 * Traefik ForwardAuth middleware: `X-Forwarded-Method/-Proto/-Host/-Uri` (Traefik sends a
 * GET to `address`); on 2xx it copies `authResponseHeaders` into the upstream request, after
 * deleting the client's copies of those names.
 */
export const traefikAdapter = xForwardedAdapter('traefik');
