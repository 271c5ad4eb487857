import type { KeyObject } from 'node:crypto';
import { compactVerify, errors } from 'jose';

/**
 * Checks a compact JWS signature with one key and one algorithm. Resolves true when it
 * verifies, false when it does not; rejects for anything else (unusable key, bad encoding).
 */
export type SignatureVerifier = (token: string, key: KeyObject, alg: string) => Promise<boolean>;

/**
 * The default verifier: jose `compactVerify` with exactly the token's algorithm (already
 * checked against the issuer's list) and the key chosen for it. jose keeps the imported
 * CryptoKey per KeyObject and algorithm, so only the first use of a key pays for the import.
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
