import { type Denied, deny } from './deny.ts';
import { ASYMMETRIC_ALGORITHMS } from './settings.ts';

export type HeaderCheck =
  | { readonly ok: true; readonly alg: string; readonly kid: string | undefined }
  | { readonly ok: false; readonly denied: Denied };

/**
 * Header parameters that carry a key or say where to fetch one. Trusting them lets the
 * token choose its own verification key; they are refused outright, never fetched.
 */
const KEY_CARRYING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Key ids: 1-256 characters from letters, digits and `. _ : - = + /`, without `..`.
 * That covers the ids real issuers use (base64 and base64url thumbprints, hex, UUIDs,
 * `name:version`, Azure's base64 with `+/=`) and refuses path traversal, quotes, spaces,
 * control characters and SQL- or shell-like text. The kid is only ever a lookup key in memory;
 * the rule is defence in depth and keeps audit records clean.
 */
const KID = /^[A-Za-z0-9._:=+/-]{1,256}$/;

/**
 * Decisions that need only the (still untrusted) JOSE header, made before any key lookup:
 * `alg` is an asymmetric algorithm (never `none` in any spelling, never HS*), no key-carrying
 * header, no `crit` (no extension is understood here, so any listed one is unsupported), and an
 * acceptable `kid`. Whether the issuer allows `alg` is checked once the issuer is known.
 */
export function checkHeader(header: Readonly<Record<string, unknown>>): HeaderCheck {
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') return denied('token-malformed', 'header has no alg');
  if (alg.toLowerCase() === 'none') return denied('token-alg-not-allowed', 'unsecured JWT (alg none)');
  if (!ASYMMETRIC_ALGORITHMS.has(alg)) {
    return denied('token-alg-not-allowed', `alg ${printable(alg)} is not an accepted asymmetric algorithm`);
  }
  for (const name of KEY_CARRYING_HEADERS) {
    if (Object.hasOwn(header, name)) return denied('token-header-forbidden', `header carries ${name}`);
  }
  if (Object.hasOwn(header, 'crit'))
    return denied('token-crit-unsupported', 'header lists critical extensions');
  const kid = header.kid;
  if (kid === undefined) return { ok: true, alg, kid: undefined };
  if (typeof kid !== 'string' || !KID.test(kid) || kid.includes('..')) {
    return denied('token-kid-invalid', 'kid is not 1-256 characters of A-Z a-z 0-9 . _ : - = + / without ..');
  }
  return { ok: true, alg, kid };
}

/** A short, safe rendering of an attacker-chosen value for the audit detail. */
function printable(value: string): string {
  return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value);
}

function denied(reason: Denied['reason'], detail: string): HeaderCheck {
  return { ok: false, denied: deny(reason, detail) };
}
