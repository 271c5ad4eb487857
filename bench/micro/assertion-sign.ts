/**
 * Assertion signing micro-benchmark: `AssertionSigner.sign()` (src/assertion) for the bench
 * user on a route asking for the default claims (email, groups), with an ephemeral ES256 or
 * EdDSA key. Every call has a path not seen in the last 4096 calls, so the signer can never
 * reuse an assertion (it keeps 64 per principal): each call is one full signature (path hash,
 * UUID, JSON, base64url, sign). `errors` counts reused assertions (expected 0).
 * Usage: node micro/assertion-sign.ts '{"repoRoot","alg","durationS","warmupS"}'
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_USER } from './policy-fixtures.ts';
import { answer, runMain, timeSync } from './timing.ts';

interface Input {
  repoRoot: string;
  alg: 'ES256' | 'EdDSA';
  durationS: number;
  warmupS: number;
}

/** Distinct paths cycled through (a power of two, far above the signer's 64 per principal). */
const PATHS = 4096;

runMain<Input>(async (input) => {
  const src = (p: string) => pathToFileURL(join(input.repoRoot, 'src', p)).href;
  const { loadConfigText } = (await import(
    src('config/index.ts')
  )) as typeof import('../../src/config/index.ts');
  const { AssertionSigner, KeyRing } = (await import(
    src('assertion/index.ts')
  )) as typeof import('../../src/assertion/index.ts');

  const loaded = loadConfigText(
    JSON.stringify({
      listeners: [{ name: 'bench', port: 0 }],
      routes: [],
      assertion: { issuer: 'https://gatehouse.bench.test', algorithm: input.alg },
    }),
  );
  if (!loaded.ok) return answer({ skipped: `assertion config rejected: ${JSON.stringify(loaded.problems)}` });
  const nowSeconds = Math.floor(Date.now() / 1000);
  const ring = new KeyRing();
  ring.prepare(loaded.config.assertion, nowSeconds).commit();
  const signer = new AssertionSigner(ring, { issuer: 'https://gatehouse.bench.test', ttlSeconds: 60 });
  const route = Object.freeze({
    enabled: true,
    audience: 'http://app.bench.svc.cluster.local:8080',
    claims: Object.freeze(['email', 'groups']),
    maxBytes: 4096,
    claimsKey: 'email,groups',
  });
  const requests = Array.from({ length: PATHS }, (_, i) => ({
    method: 'GET',
    host: 'app.bench.test',
    path: `/item/${i}`,
  }));
  const last: string[] = new Array(PATHS).fill('');
  let reused = 0;
  const timed = timeSync(
    (i) => {
      const k = i & (PATHS - 1);
      const token = signer.sign(BENCH_USER, route, requests[k]!, nowSeconds);
      if (token === last[k]) reused++;
      last[k] = token;
    },
    { warmupMs: input.warmupS * 1000, durationMs: input.durationS * 1000 },
  );
  const alg = JSON.parse(Buffer.from(last[0]!.split('.')[0]!, 'base64url').toString()).alg;
  answer({
    ...timed,
    errors: reused,
    note: `${alg}: ${timed.ops} signatures of ${last[0]!.length} bytes, ${reused} reused; timer ${timed.timerOverheadNs} ns/op included`,
  });
});
