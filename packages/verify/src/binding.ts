import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

/** The request an assertion is checked against, as the upstream received it. */
export interface BoundRequest {
  /** HTTP method, e.g. `GET` (compared exactly). */
  readonly method: string;
  /** The Host header value (`Example.com:8443` is fine: lower-cased, port and trailing dot dropped). */
  readonly host: string;
  /** The request target (`/a/b?x=1`); everything from `?` on is ignored. */
  readonly path: string;
}

/** The assertion's `req` claim: method, canonical host, base64url SHA-256 of the path. */
export interface RequestBinding {
  readonly m: string;
  readonly h: string;
  readonly p: string;
}

/**
 * The canonical host of a Host header value: lower-case, without port or trailing dot; an
 * IPv6 literal keeps its brackets in RFC 5952 form (`[::1]`). Undefined when empty or not
 * parseable. Gatehouse writes `req.h` the same way.
 */
export function canonicalHost(value: string): string | undefined {
  const v = value.trim();
  if (v.length === 0) return undefined;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end === -1) return undefined;
    const inner = v.slice(1, end);
    if (!isIPv6(inner)) return undefined;
    try {
      return new URL(`http://[${inner}]/`).hostname;
    } catch {
      return undefined;
    }
  }
  const colon = v.indexOf(':');
  let host = (colon === -1 ? v : v.slice(0, colon)).toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.length === 0 ? undefined : host;
}

/** base64url(SHA-256(path without query)), the value of `req.p`. */
export function pathHash(target: string): string {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  return createHash('sha256').update(path, 'utf8').digest('base64url');
}

/** The `req` claim a request must carry; undefined when its host cannot be read. */
export function requestBinding(request: BoundRequest): RequestBinding | undefined {
  const h = canonicalHost(request.host);
  if (h === undefined) return undefined;
  return { m: request.method, h, p: pathHash(request.path) };
}
