import type { SpiffeId } from '../model/index.ts';

/**
 * SPIFFE ID parsing per the SPIFFE ID specification (SPIFFE-ID.md, section 2):
 * `spiffe://<trust-domain><path>`, where
 * - the scheme is exactly `spiffe` (lower case) followed by `://`;
 * - the trust domain is 1..255 characters of `[a-z0-9._-]` (so no upper case, no port,
 *   no userinfo, no percent-encoding);
 * - the path is empty or `/segment(/segment)*`, each segment non-empty, of `[A-Za-z0-9._-]`,
 *   and not `.` or `..` (so no trailing slash, query, fragment or percent-encoding);
 * - the whole ID is at most 2048 bytes.
 *
 * Shared by the mTLS (X.509-SVID URI SAN) and JWT (JWT-SVID `sub`) authenticators.
 */

export const SPIFFE_SCHEME_PREFIX = 'spiffe://';
/** Longest SPIFFE ID accepted, in bytes (spec: 2048). */
export const SPIFFE_ID_MAX_BYTES = 2048;
/** Longest trust domain name, in characters (spec: 255). */
export const TRUST_DOMAIN_MAX_LENGTH = 255;

function isTrustDomainChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2e || // .
    c === 0x2d || // -
    c === 0x5f // _
  );
}

function isPathChar(c: number): boolean {
  return isTrustDomainChar(c) || (c >= 0x41 && c <= 0x5a); // A-Z
}

/** Whether `name` is a valid trust domain name (`[a-z0-9._-]`, 1..255 characters). */
export function isTrustDomainName(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > TRUST_DOMAIN_MAX_LENGTH) return false;
  for (let i = 0; i < name.length; i++) {
    if (!isTrustDomainChar(name.charCodeAt(i))) return false;
  }
  return true;
}

/** Whether `path` is a valid SPIFFE ID path: '' or `/seg(/seg)*` with no empty, `.` or `..` segment. */
export function isSpiffePath(path: string): boolean {
  if (path === '') return true;
  if (path.charCodeAt(0) !== 0x2f) return false;
  let segStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segStart;
      if (len === 0) return false;
      if (len <= 2 && path.slice(segStart, i).replaceAll('.', '') === '') return false;
      segStart = i + 1;
    } else if (!isPathChar(c)) {
      return false;
    }
  }
  return true;
}

/**
 * Parse and validate a SPIFFE ID. Returns the frozen parts, or `undefined` when `s` is not a
 * valid SPIFFE ID. A trust-domain-only ID (`spiffe://example.org`) is valid with path `''`;
 * callers that need a workload ID (an SVID) must also require a non-empty path.
 */
export function parseSpiffeId(s: string): SpiffeId | undefined {
  // Every valid character is ASCII, so the UTF-16 length equals the byte length for valid IDs.
  if (typeof s !== 'string' || s.length > SPIFFE_ID_MAX_BYTES || !s.startsWith(SPIFFE_SCHEME_PREFIX)) {
    return undefined;
  }
  const rest = s.slice(SPIFFE_SCHEME_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (!isTrustDomainName(trustDomain) || !isSpiffePath(path)) return undefined;
  return Object.freeze({ id: s, trustDomain, path });
}

/** The ID of a trust domain itself, `spiffe://<name>`: the issuer of its SVIDs. */
export function trustDomainId(trustDomain: string): string {
  return SPIFFE_SCHEME_PREFIX + trustDomain;
}

export type SpiffeParseResult =
  | { readonly ok: true; readonly id: SpiffeId }
  | { readonly ok: false; readonly detail: string };

/**
 * `parseSpiffeId` with the reason an ID is refused, for deny details (a JWT-SVID `sub`).
 * `requirePath` refuses a trust-domain-only ID, as every SVID must have a path.
 */
export function explainSpiffeId(value: unknown, requirePath: boolean): SpiffeParseResult {
  const fail = (detail: string): SpiffeParseResult => ({ ok: false, detail: `invalid SPIFFE ID: ${detail}` });
  if (typeof value !== 'string') return fail('not a string');
  const id = parseSpiffeId(value);
  if (id) return requirePath && id.path === '' ? fail('an SVID must have a path') : { ok: true, id };
  if (Buffer.byteLength(value) > SPIFFE_ID_MAX_BYTES) return fail('longer than 2048 bytes');
  if (!value.startsWith(SPIFFE_SCHEME_PREFIX)) return fail('scheme is not spiffe://');
  const rest = value.slice(SPIFFE_SCHEME_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  if (trustDomain === '') return fail('trust domain is empty');
  if (trustDomain.length > TRUST_DOMAIN_MAX_LENGTH) return fail('trust domain is longer than 255 characters');
  if (!isTrustDomainName(trustDomain)) {
    return fail('trust domain may hold only a-z 0-9 . - _ (no port, userinfo, query or upper case)');
  }
  for (const segment of rest.slice(slash + 1).split('/')) {
    if (segment === '') return fail('path has an empty segment or a trailing slash');
    if (segment === '.' || segment === '..') return fail('path has a dot segment');
  }
  return fail('path segments may hold only A-Z a-z 0-9 . - _');
}
