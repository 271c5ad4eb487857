import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { isPlainObject } from './json-value.ts';

/** A public key an issuer signs with, ready for verification. */
export interface VerificationKey {
  /** RFC 7638 thumbprint: names the key material whatever its `kid`. */
  readonly id: string;
  readonly kid?: string;
  /** The `alg` the JWKS pins this key to, if any. */
  readonly alg?: string;
  readonly kty: 'RSA' | 'EC' | 'OKP';
  readonly crv?: string;
  readonly key: KeyObject;
}

/** An issuer's usable keys at one moment. */
export interface KeySet {
  readonly keys: readonly VerificationKey[];
  /** Thumbprints of `keys`: the verified-token cache drops entries whose key left the set. */
  readonly ids: ReadonlySet<string>;
}

/** More keys than this in one JWKS is not a key set we want to search through. */
export const MAX_KEYS = 64;
const MIN_RSA_BITS = 2048;

const CURVE_OF_ALG: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Whether `key` can verify a signature made with `alg`: key type, curve and pinned `alg` agree. */
export function keyFitsAlgorithm(key: VerificationKey, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return key.kty === 'RSA';
  if (alg.startsWith('ES')) return key.kty === 'EC' && key.crv === CURVE_OF_ALG[alg];
  if (alg === 'EdDSA') return key.kty === 'OKP' && (key.crv === 'Ed25519' || key.crv === 'Ed448');
  return false;
}

export function makeKeySet(keys: readonly VerificationKey[]): KeySet {
  return Object.freeze({ keys: Object.freeze([...keys]), ids: new Set(keys.map((k) => k.id)) });
}

/**
 * Usable signature keys of a JWKS (RFC 7517). Ignored, not fatal: keys whose `use` is not
 * `sig`, whose `key_ops` lack `verify`, whose `alg` is not in `algorithms`, symmetric (`oct`)
 * or unknown key types, RSA keys under 2048 bits, and keys that do not import. Only public
 * members are kept: a JWKS that (wrongly) publishes private members does not put them in memory.
 */
export function keysFromJwks(jwks: unknown, algorithms: ReadonlySet<string>): VerificationKey[] {
  if (!isPlainObject(jwks) || !Array.isArray(jwks.keys)) throw new Error('not a JWKS: no "keys" array');
  const keys: VerificationKey[] = [];
  for (const jwk of jwks.keys) {
    if (keys.length >= MAX_KEYS) break;
    const key = keyFromJwk(jwk, algorithms);
    if (key) keys.push(key);
  }
  return keys;
}

function keyFromJwk(jwk: unknown, algorithms: ReadonlySet<string>): VerificationKey | undefined {
  if (!isPlainObject(jwk)) return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return undefined;
  if (jwk.alg !== undefined && (typeof jwk.alg !== 'string' || !algorithms.has(jwk.alg))) return undefined;
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return undefined;
  const members = publicMembers(jwk);
  if (!members) return undefined;
  return toVerificationKey(members, jwk.kid, jwk.alg as string | undefined);
}

/** The RFC 7638 required members, in lexicographic order, or undefined for unusable types. */
function publicMembers(jwk: Record<string, unknown>): Record<string, string> | undefined {
  const names =
    jwk.kty === 'RSA'
      ? ['e', 'kty', 'n']
      : jwk.kty === 'EC'
        ? ['crv', 'kty', 'x', 'y']
        : jwk.kty === 'OKP'
          ? ['crv', 'kty', 'x']
          : undefined;
  if (!names) return undefined;
  const members: Record<string, string> = {};
  for (const name of names) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') return undefined;
    members[name] = value;
  }
  return members;
}

function toVerificationKey(
  members: Record<string, string>,
  kid: string | undefined,
  alg: string | undefined,
): VerificationKey | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS)
    return undefined;
  if (key.asymmetricKeyType === 'rsa-pss') return undefined;
  const id = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  const result: VerificationKey = {
    id,
    kty: members.kty as VerificationKey['kty'],
    key,
    ...(members.crv !== undefined && { crv: members.crv }),
    ...(kid !== undefined && { kid }),
    ...(alg !== undefined && { alg }),
  };
  return Object.freeze(result);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----/g;

/**
 * Keys from PEM text: `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) or `CERTIFICATE` blocks.
 * Throws on a private key (it does not belong in a verifier's config) or when no block is found.
 * PEM keys have no `kid`: they match tokens by key type and algorithm.
 */
export function keysFromPem(text: string, algorithms: ReadonlySet<string>): VerificationKey[] {
  const keys: VerificationKey[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1]!;
    if (label.includes('PRIVATE')) throw new Error('the key file holds a private key; give only public keys');
    if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY' && label !== 'CERTIFICATE') continue;
    const jwk = createPublicKey(match[0]).export({ format: 'jwk' }) as Record<string, unknown>;
    const key = keyFromJwk(jwk, algorithms);
    if (key && keys.length < MAX_KEYS) keys.push(key);
  }
  if (text.includes('PRIVATE KEY-----'))
    throw new Error('the key file holds a private key; give only public keys');
  return keys;
}
