import { constants, type KeyObject, verify } from 'node:crypto';
import { compactVerify, errors } from 'jose';

/**
 * Checks a compact JWS signature with one key and one algorithm. Resolves true when it
 * verifies, false when it does not; rejects for anything else (unusable key, bad encoding).
 */
export type SignatureVerifier = (token: string, key: KeyObject, alg: string) => Promise<boolean>;

/**
 * jose `compactVerify` (WebCrypto) with exactly the token's algorithm. Kept as the reference
 * the default verifier is tested against.
 */
export const joseVerifier: SignatureVerifier = async (token, key, alg) => {
  try {
    await compactVerify(token, key, { algorithms: [alg] });
    return true;
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) return false;
    throw err;
  }
};

const HASH: Record<string, string | null> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
};
const EC_CURVE: Record<string, { curve: string; size: number }> = {
  ES256: { curve: 'prime256v1', size: 32 },
  ES384: { curve: 'secp384r1', size: 48 },
  ES512: { curve: 'secp521r1', size: 66 },
};

/** An ECDSA signature from JWS form (r || s, fixed size) to the DER form node:crypto takes by default. */
export function p1363ToDer(sig: Buffer): Buffer {
  const half = sig.length / 2;
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return (v[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), v]) : v;
  };
  const r = int(sig.subarray(0, half));
  const s = int(sig.subarray(half));
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, s.length]), s]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

/**
 * The default verifier: node:crypto directly (about twice as fast as WebCrypto here, and no
 * promise hop inside), with the same rules jose applies: the key type must fit the algorithm
 * (EC curve per ES*, RSA of at least 2048 bits for RS and PS, Ed25519/Ed448 for EdDSA), ECDSA
 * signatures must have exactly the JWS size, PS uses a salt as long as the digest.
 */
export const nodeVerifier: SignatureVerifier = async (token, key, alg) => {
  const hash = HASH[alg];
  if (hash === undefined) throw new TypeError(`unsupported algorithm ${alg}`);
  const dot = token.lastIndexOf('.');
  const input = Buffer.from(token.slice(0, dot), 'latin1');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  const type = key.asymmetricKeyType;
  if (alg.startsWith('ES')) {
    const ec = EC_CURVE[alg]!;
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== ec.curve)
      throw new TypeError('key does not fit the algorithm');
    if (sig.length !== ec.size * 2) return false;
    return verify(hash, input, key, p1363ToDer(sig));
  }
  if (alg === 'EdDSA') {
    if (type !== 'ed25519' && type !== 'ed448') throw new TypeError('key does not fit the algorithm');
    return verify(null, input, key, sig);
  }
  if (type !== 'rsa' && !(alg.startsWith('PS') && type === 'rsa-pss'))
    throw new TypeError('key does not fit the algorithm');
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    throw new TypeError('RSA keys must be at least 2048 bits');
  if (alg.startsWith('PS')) {
    return verify(
      hash,
      input,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
      sig,
    );
  }
  return verify(hash, input, key, sig);
};
