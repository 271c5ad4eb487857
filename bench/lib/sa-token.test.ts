import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import { type BenchAlgorithm, SA_ISSUER, serviceAccountIssuer } from './sa-token.ts';

test('tokens verify against the written JWKS for every algorithm and look like projected SA tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sa-test-'));
  try {
    for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as BenchAlgorithm[]) {
      const issuer = serviceAccountIssuer(dir, alg, `cluster-${alg}`);
      const jwk = (JSON.parse(readFileSync(issuer.jwksFile, 'utf8')) as { keys: Record<string, unknown>[] })
        .keys[0]!;
      const token = issuer.token({ serviceAccount: 'deployer', namespace: 'ci' });
      const { payload, protectedHeader } = await compactVerify(token, await importJWK(jwk, alg));
      assert.equal(protectedHeader.alg, alg);
      const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      assert.equal(claims.iss, SA_ISSUER);
      assert.equal(claims.sub, 'system:serviceaccount:ci:deployer');
      assert.deepEqual(
        (claims['kubernetes.io'] as { serviceaccount: { name: string } }).serviceaccount.name,
        'deployer',
      );
      assert.notEqual(issuer.token(), issuer.token(), 'every token has its own jti');
      assert.deepEqual(issuer.config.algorithms, [alg]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
