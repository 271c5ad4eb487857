import type { SpiffeId } from '../../model/index.ts';

const MAX_ID_BYTES = 2048;
const MAX_TRUST_DOMAIN_LENGTH = 255;
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

export type SpiffeParseResult =
  | { readonly ok: true; readonly id: SpiffeId }
  | { readonly ok: false; readonly detail: string };

/**
 * Parses a SPIFFE ID per the SPIFFE ID specification (§2): the scheme is exactly `spiffe://`;
 * the trust domain is lower-case letters, digits, `.`, `-`, `_` (so no port, userinfo,
 * percent-encoding or upper case); the path is `/`-separated segments of letters, digits,
 * `.`, `-`, `_`, none empty, `.` or `..` (so no trailing slash); no query or fragment; at most
 * 2048 bytes. `requirePath` refuses a trust-domain-only ID, as every SVID must have a path.
 */
export function parseSpiffeId(value: unknown, requirePath: boolean): SpiffeParseResult {
  if (typeof value !== 'string') return fail('not a string');
  if (Buffer.byteLength(value) > MAX_ID_BYTES) return fail('longer than 2048 bytes');
  if (!value.startsWith('spiffe://')) return fail('scheme is not spiffe://');
  const rest = value.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (trustDomain === '') return fail('trust domain is empty');
  if (trustDomain.length > MAX_TRUST_DOMAIN_LENGTH) return fail('trust domain is longer than 255 characters');
  if (!TRUST_DOMAIN.test(trustDomain)) {
    return fail('trust domain may hold only a-z 0-9 . - _ (no port, userinfo, query or upper case)');
  }
  if (path === '') {
    return requirePath
      ? fail('an SVID must have a path')
      : { ok: true, id: Object.freeze({ id: value, trustDomain, path }) };
  }
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return fail('path has an empty segment or a trailing slash');
    if (segment === '.' || segment === '..') return fail('path has a dot segment');
    if (!SEGMENT.test(segment)) return fail('path segments may hold only A-Z a-z 0-9 . - _');
  }
  return { ok: true, id: Object.freeze({ id: value, trustDomain, path }) };
}

function fail(detail: string): SpiffeParseResult {
  return { ok: false, detail: `invalid SPIFFE ID: ${detail}` };
}
