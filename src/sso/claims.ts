/**
 * From ID token (and userinfo) claims to what a session keeps: groups read from the
 * configured claim path, and the claims minus protocol fields and anything token-like
 * (`_claim_sources` may carry an access token for distributed claims).
 */

import { readClaim } from '../identity/index.ts';
import { emailVerifiedAllows } from '../model/index.ts';

/** Protocol claims that say nothing about the person, or are kept in dedicated fields. */
const DROPPED = new Set([
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  'azp',
  'sid',
  'auth_time',
  'acr',
  'amr',
  '_claim_names',
  '_claim_sources',
  'access_token',
  'refresh_token',
  'id_token',
]);

/** A single claim value larger than this (JSON bytes) is not kept. */
const MAX_CLAIM_BYTES = 8 * 1024;
/** Most groups kept (providers with "group overage" send a pointer instead; see docs/sso.md). */
const MAX_GROUPS = 10_000;

export { readClaim };

/** Groups from `path`: an array of strings, or one string (space/comma separated lists stay one group). */
export function groupsFrom(claims: Readonly<Record<string, unknown>>, path: string): string[] {
  const v = readClaim(claims, path);
  if (typeof v === 'string') return v ? [v] : [];
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const g of v) {
    if (typeof g === 'string' && g.length > 0 && g.length <= 1024) out.push(g);
    if (out.length >= MAX_GROUPS) break;
  }
  return [...new Set(out)];
}

/** The claims a session keeps (see DROPPED), each at most MAX_CLAIM_BYTES. */
export function keptClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (DROPPED.has(name) || value === undefined) continue;
    if (typeof value === 'string' && value.length <= MAX_CLAIM_BYTES) {
      out[name] = value;
      continue;
    }
    let size: number;
    try {
      size = JSON.stringify(value)?.length ?? 0;
    } catch {
      continue;
    }
    if (size <= MAX_CLAIM_BYTES) out[name] = value;
  }
  return out;
}

/** `email`, only when the provider did not mark it unverified (see emailVerifiedAllows). */
export function verifiedEmail(claims: Readonly<Record<string, unknown>>): string | undefined {
  const email = claims.email;
  if (typeof email !== 'string' || !email) return undefined;
  return emailVerifiedAllows(claims.email_verified) ? email : undefined;
}

export function numberClaim(claims: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const v = claims[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function stringClaim(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' && v ? v : undefined;
}

export function stringsClaim(claims: Readonly<Record<string, unknown>>, name: string): string[] | undefined {
  const v = claims[name];
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === 'string');
}
