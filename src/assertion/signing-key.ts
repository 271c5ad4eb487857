import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GatehouseError } from '../errors/index.ts';

export type AssertionAlgorithm = 'ES256' | 'EdDSA';

/** A loaded signing key: the private key for signing, the public JWK for the JWKS. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: AssertionAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicJwk: Readonly<Record<string, string>>;
  /** base64url of the JWS protected header, computed once. */
  readonly headerB64: string;
}

/** RFC 7638 thumbprint of an EC or OKP public JWK (required members, lexicographic order). */
export function thumbprint(jwk: Record<string, unknown>): string {
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** Build a SigningKey from a private KeyObject; refuses anything but P-256 and Ed25519. */
export function signingKeyFrom(privateKey: KeyObject, kid?: string, label = 'key'): SigningKey {
  if (privateKey.type !== 'private')
    throw new GatehouseError('ERR_ASSERTION_KEY', `${label}: not a private key`);
  let alg: AssertionAlgorithm;
  if (privateKey.asymmetricKeyType === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    alg = 'ES256';
  else if (privateKey.asymmetricKeyType === 'ed25519') alg = 'EdDSA';
  else {
    throw new GatehouseError(
      'ERR_ASSERTION_KEY',
      `${label}: unsupported key type ${privateKey.asymmetricKeyType ?? 'unknown'} (use EC P-256 for ES256 or Ed25519 for EdDSA)`,
    );
  }
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  const id = kid ?? thumbprint(jwk);
  const publicJwk = Object.freeze({ ...jwk, kid: id, alg, use: 'sig' });
  const headerB64 = Buffer.from(JSON.stringify({ alg, kid: id, typ: 'gatehouse-assertion+jwt' })).toString(
    'base64url',
  );
  return Object.freeze({ kid: id, alg, privateKey, publicJwk, headerB64 });
}

/**
 * Load a signing key from a file: PEM (PKCS#8 or SEC1) or a JWK with its private part.
 * The error names the file, never its content.
 */
export function loadSigningKey(file: string, kid?: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GatehouseError('ERR_ASSERTION_KEY', `cannot read key file ${file}`, { cause: err });
  }
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    key = trimmed.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' })
      : createPrivateKey(trimmed);
  } catch (err) {
    throw new GatehouseError('ERR_ASSERTION_KEY', `key file ${file} is not a PEM or JWK private key`, {
      cause: err,
    });
  }
  const jwkKid = text.trim().startsWith('{') ? (JSON.parse(text) as { kid?: unknown }).kid : undefined;
  return signingKeyFrom(key, kid ?? (typeof jwkKid === 'string' ? jwkKid : undefined), file);
}

/** A fresh in-memory key (ephemeral: never written anywhere). */
export function generateSigningKey(alg: AssertionAlgorithm): SigningKey {
  const { privateKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return signingKeyFrom(privateKey, undefined, 'ephemeral key');
}
