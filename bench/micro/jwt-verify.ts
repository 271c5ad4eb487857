/**
 * JWT authenticator micro-benchmark: `JwtAuthenticator.authenticate()` (src/identity) on
 * requests carrying a Kubernetes-style service-account token.
 * - cold: the verified-token cache is off (tokenCacheSize 0), so every call is a full
 *   verification (decode, header and issuer checks, key lookup, signature, claims, principal);
 *   a pool of distinct tokens is cycled. Each call is awaited before the next.
 * - warm: the default cache, every token of the pool verified once before timing: each call is
 *   a cache hit (SHA-256 of the token, a map lookup), answered synchronously.
 * Usage: node micro/jwt-verify.ts '{"repoRoot","tmpDir","alg","mode","durationS","warmupS"}'
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchAlgorithm, serviceAccountIssuer } from '../lib/sa-token.ts';
import { answer, runMain, timeAsync, timeSync } from './timing.ts';

interface Input {
  repoRoot: string;
  tmpDir: string;
  alg: BenchAlgorithm;
  mode: 'cold' | 'warm';
  durationS: number;
  warmupS: number;
}

/** Distinct tokens cycled through (a power of two). */
const POOL = 256;

type AuthnResult = { status: string; reason?: string; detail?: string };
interface Authenticator {
  authenticate(request: unknown, nowSeconds: number): AuthnResult | Promise<AuthnResult>;
  readonly stats: { cacheHits: number; verifications: number; cacheSize: number };
}

runMain<Input>(async (input) => {
  const src = (p: string) => pathToFileURL(join(input.repoRoot, 'src', p)).href;
  const { loadConfigText } = (await import(
    src('config/index.ts')
  )) as typeof import('../../src/config/index.ts');
  const { createJwtAuthenticator } = (await import(
    src('identity/index.ts')
  )) as typeof import('../../src/identity/index.ts');

  const dir = mkdtempSync(join(input.tmpDir, `jwt-${input.alg}-`));
  const issuer = serviceAccountIssuer(dir, input.alg);
  const loaded = loadConfigText(
    JSON.stringify({
      listeners: [{ name: 'bench', port: 0 }],
      identity: { jwt: [issuer.config] },
      routes: [],
    }),
  );
  if (!loaded.ok)
    return answer({ skipped: `bench issuer config rejected: ${JSON.stringify(loaded.problems)}` });
  const authenticator = createJwtAuthenticator(loaded.config.identity.jwt, {
    tokenCacheSize: input.mode === 'cold' ? 0 : 10_000,
    fileCheckSeconds: 3600,
  }) as unknown as Authenticator;

  const nowSeconds = Math.floor(Date.now() / 1000);
  const requests = Array.from({ length: POOL }, (_, i) => ({
    id: `r${i}`,
    method: 'GET',
    scheme: 'http',
    host: 'app.bench.test',
    port: 80,
    path: '/',
    query: '',
    headers: { host: 'app.bench.test', authorization: `Bearer ${issuer.token({ nowS: nowSeconds })}` },
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'bench',
  }));
  const tokenBytes = requests[0]!.headers.authorization.length - 'Bearer '.length;

  // Every token must authenticate (this also warms the cache in warm mode).
  for (const r of requests) {
    const result = await authenticator.authenticate(r, nowSeconds);
    if (result.status !== 'authenticated') {
      return answer({ skipped: `bench token not accepted: ${result.reason} ${result.detail ?? ''}` });
    }
  }
  let errors = 0;
  const options = { warmupMs: input.warmupS * 1000, durationMs: input.durationS * 1000 };
  let timed: Awaited<ReturnType<typeof timeAsync>>;
  if (input.mode === 'cold') {
    timed = await timeAsync(async (i) => {
      const r = await authenticator.authenticate(requests[i & (POOL - 1)], nowSeconds);
      if (r.status !== 'authenticated') errors++;
    }, options);
  } else {
    timed = timeSync((i) => {
      const r = authenticator.authenticate(requests[i & (POOL - 1)], nowSeconds);
      if (r instanceof Promise || r.status !== 'authenticated') errors++;
    }, options);
  }
  const s = authenticator.stats;
  answer({
    ...timed,
    errors,
    note: `${input.alg} ${input.mode}: ${timed.ops} calls over ${POOL} tokens of ${tokenBytes} bytes; ${s.verifications} signature checks, ${s.cacheHits} cache hits; timer ${timed.timerOverheadNs} ns/op included`,
  });
});
