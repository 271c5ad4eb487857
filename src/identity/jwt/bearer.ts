import type { IncomingHttpHeaders } from 'node:http';

/** What the Authorization header holds, from the JWT authenticator's point of view. */
export type BearerResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'ambiguous' }
  | { readonly kind: 'malformed'; readonly detail: string };

const NONE: BearerResult = Object.freeze({ kind: 'none' });
const SCHEME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]+(.*))?$/s;

/**
 * Reads a bearer token from `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110
 * §11.1). Never from the query string or a body. No header, an empty one, or another scheme is
 * `none` (another authenticator's business). Several Authorization values are `ambiguous`.
 *
 * Node's HTTP parser drops repeated Authorization headers and keeps the first; refusing a
 * repeated header therefore needs `rawHeaders`, checked where requests are normalised. An
 * array here comes from adapters that build headers themselves.
 */
export function readBearer(headers: IncomingHttpHeaders): BearerResult {
  const value: unknown = headers.authorization;
  if (value === undefined) return NONE;
  if (Array.isArray(value)) return value.length === 1 ? readValue(value[0]) : { kind: 'ambiguous' };
  return readValue(value);
}

function readValue(value: unknown): BearerResult {
  if (typeof value !== 'string') return { kind: 'malformed', detail: 'Authorization is not text' };
  const trimmed = value.trim();
  if (trimmed === '') return NONE;
  const match = SCHEME.exec(trimmed);
  // A value that does not even start with a scheme token names no scheme of ours.
  if (!match) return NONE;
  if (match[1]!.toLowerCase() !== 'bearer') return NONE;
  const credential = match[2] ?? '';
  if (credential === '') return { kind: 'malformed', detail: 'Bearer scheme without a token' };
  if (/[\s,]/.test(credential))
    return { kind: 'malformed', detail: 'Bearer credential holds spaces or commas' };
  return { kind: 'token', token: credential };
}
