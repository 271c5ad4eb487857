/**
 * A bench JWT issuer with no dependency: an ES256 key from node:crypto, its JWKS written to a
 * file for Gatehouse's `identity.jwt[].jwksFile`, and one token for the load.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_ISSUER = 'https://issuer.bench.test';
export const BENCH_AUDIENCE = 'gatehouse';
export const BENCH_SUBJECT = 'bench-client';

export interface BenchIssuer {
  /** The `identity.jwt` entry for Gatehouse's config. */
  config: Record<string, unknown>;
  /** A token for `sub` valid for `lifetimeS` seconds (default 3000: within the issuer's 3600 cap). */
  token(sub?: string, lifetimeS?: number): string;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function benchIssuer(dir: string): BenchIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench-1', alg: 'ES256', use: 'sig' };
  const jwksFile = join(dir, 'bench-jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  return {
    config: {
      name: 'bench',
      issuer: BENCH_ISSUER,
      jwksFile,
      audiences: [BENCH_AUDIENCE],
      maxLifetimeSeconds: 3600,
    },
    token(sub = BENCH_SUBJECT, lifetimeS = 3000) {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: 'ES256', kid: 'bench-1', typ: 'JWT' })}.${b64({
        iss: BENCH_ISSUER,
        aud: BENCH_AUDIENCE,
        sub,
        iat: now,
        exp: now + lifetimeS,
      })}`;
      const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
  };
}
