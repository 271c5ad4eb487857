/**
 * A Kubernetes-style service-account token issuer for benchmarks, with no dependency: a key
 * from node:crypto for one of the algorithms Gatehouse accepts, its JWKS written to a file for
 * `identity.jwt[].jwksFile`, and tokens shaped like projected service-account tokens
 * (`kubernetes.io` claim, `system:serviceaccount:NS:NAME` subject, `jti`, `nbf`).
 */
import { constants, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type BenchAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export const SA_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SA_AUDIENCE = 'gatehouse';
export const SA_NAMESPACE = 'bench';
export const SA_NAME = 'client';

export interface SaTokenOptions {
  /** Service account name (default `client`). */
  serviceAccount?: string;
  /** Namespace (default `bench`). */
  namespace?: string;
  /** Lifetime in seconds (default 3000: within the issuer's 3600 s cap). */
  lifetimeS?: number;
  /** Issue time, epoch seconds (default now). */
  nowS?: number;
}

export interface SaIssuer {
  readonly alg: BenchAlgorithm;
  readonly jwksFile: string;
  /** The `identity.jwt` entry for Gatehouse's config (kubernetes: true, this algorithm only). */
  readonly config: Record<string, unknown>;
  /** A fresh token (a new `jti` every call, so no two tokens are equal). */
  token(options?: SaTokenOptions): string;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function keyPair(alg: BenchAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

function signature(alg: BenchAlgorithm, input: Buffer, key: KeyObject): Buffer {
  switch (alg) {
    case 'RS256':
      return sign('sha256', input, key);
    case 'PS256':
      return sign('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'ES256':
      return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, input, key);
  }
}

/** A new issuer with its JWKS written to `<dir>/<name>-jwks.json`. */
export function serviceAccountIssuer(dir: string, alg: BenchAlgorithm = 'ES256', name = 'cluster'): SaIssuer {
  const { privateKey, publicKey } = keyPair(alg);
  const kid = `bench-${alg.toLowerCase()}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const jwksFile = join(dir, `${name}-jwks.json`);
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const header = b64({ alg, kid });
  return {
    alg,
    jwksFile,
    config: {
      name,
      issuer: SA_ISSUER,
      jwksFile,
      audiences: [SA_AUDIENCE],
      algorithms: [alg],
      kubernetes: true,
      kind: 'workload',
      maxLifetimeSeconds: 3600,
    },
    token(options = {}) {
      const now = options.nowS ?? Math.floor(Date.now() / 1000);
      const ns = options.namespace ?? SA_NAMESPACE;
      const sa = options.serviceAccount ?? SA_NAME;
      const payload = b64({
        aud: [SA_AUDIENCE],
        exp: now + (options.lifetimeS ?? 3000),
        iat: now,
        iss: SA_ISSUER,
        jti: randomUUID(),
        'kubernetes.io': {
          namespace: ns,
          node: { name: 'bench-node-1', uid: '3f1b7c2e-5a44-4d0e-9b1f-0c2d7e6a9b10' },
          pod: { name: `${sa}-7d9f8c6b5-x2x4q`, uid: '8a6c1d3e-2b7f-4e5a-9c0d-1f2e3a4b5c6d' },
          serviceaccount: { name: sa, uid: 'c2d4e6f8-1a3b-4c5d-8e9f-0a1b2c3d4e5f' },
        },
        nbf: now,
        sub: `system:serviceaccount:${ns}:${sa}`,
      });
      const input = `${header}.${payload}`;
      return `${input}.${signature(alg, Buffer.from(input), privateKey).toString('base64url')}`;
    },
  };
}
