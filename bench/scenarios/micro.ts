/**
 * In-process micro-benchmarks of the identity, policy and assertion hot paths, each in a fresh
 * worker process (micro/*.ts). rps = operations per second; p50/p99 = per-operation times.
 */
import type { Scenario } from '../lib/types.ts';
import { runWorker } from '../lib/worker.ts';

/** A scenario running `micro/<script>` with the run's duration and warm-up added to `input`. */
function micro(
  name: string,
  baseline: string | null,
  description: string,
  script: string,
  input: Record<string, unknown>,
  more: Partial<Scenario> = {},
): Scenario {
  return {
    name,
    baseline,
    description,
    ...more,
    async run(ctx) {
      const m = await runWorker(ctx, name, script, {
        repoRoot: ctx.repoRoot,
        tmpDir: ctx.tmpDir,
        durationS: ctx.options.durationS,
        warmupS: ctx.options.warmupS,
        ...input,
      });
      return { rps: m.rps, p50Ms: m.p50Ms, p99Ms: m.p99Ms, errors: m.errors };
    },
  };
}

const jwtCold = (alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA') =>
  micro(
    `jwt-verify-cold-${alg}`,
    null,
    `JwtAuthenticator.authenticate() with the verified-token cache off: a full ${alg} verification per call (256 distinct Kubernetes-style tokens, each call awaited).`,
    'jwt-verify.ts',
    { alg, mode: 'cold' },
  );

export const jwtVerifyColdRs256 = jwtCold('RS256');
export const jwtVerifyColdPs256 = jwtCold('PS256');
export const jwtVerifyColdEs256 = jwtCold('ES256');
export const jwtVerifyColdEddsa = jwtCold('EdDSA');
export const jwtVerifyWarm = micro(
  'jwt-verify-warm',
  null,
  'JwtAuthenticator.authenticate() on 256 ES256 tokens already verified: a cache hit per call (SHA-256 of the token, map lookup), synchronous.',
  'jwt-verify.ts',
  { alg: 'ES256', mode: 'warm' },
);

export const decideTypical = micro(
  'decide-typical',
  null,
  'decide(): route lookup (10-route table) + a 5-rule policy allowing the user on its 4th rule, one request repeated; authenticator answers from memory. Target p50 <= 1 µs, p99 <= 5 µs.',
  'decide.ts',
  { routes: 10, mode: 'typical' },
  { target: { maxP50Ms: 0.001, maxP99Ms: 0.005 } },
);
export const decide10Routes = micro(
  'decide-10-routes',
  null,
  'decide() over 4096 requests spread over a 10-route table, each route with its own 5-rule policy.',
  'decide.ts',
  { routes: 10, mode: 'mix' },
);
export const decide10kRoutes = micro(
  'decide-10k-routes',
  'decide-10-routes',
  'decide() over 4096 requests spread over a 10 000-route table (~3 300 routes hit), each route with its own 5-rule policy. Target <= 2x the 10-route time.',
  'decide.ts',
  { routes: 10_000, mode: 'mix' },
  { target: { minRatio: 0.5 }, extraTimeMs: 120_000 },
);

export const celEval = micro(
  'cel-eval',
  null,
  'One CEL condition (method, group membership, path prefix) run over prepared variables. Target <= 1 µs.',
  'cel-eval.ts',
  { mode: 'bare' },
  { target: { maxP50Ms: 0.001 } },
);
export const celEvalInPolicy = micro(
  'cel-eval-in-policy',
  null,
  'The same condition as a one-rule policy (when:), evaluated per call: evaluation context and CEL variables included.',
  'cel-eval.ts',
  { mode: 'policy' },
);

export const compile10kRoutes = micro(
  'compile-10k-routes',
  null,
  'buildEngine() for 10 000 routes with a 5-rule policy each (policies compiled and linted, route table built): p50 = median run in ms.',
  'compile.ts',
  { routes: 10_000, mode: 'build' },
  { extraTimeMs: 180_000 },
);
export const configLoad10kRoutes = micro(
  'config-load-10k-routes',
  null,
  'loadConfigText() of the same 10 000-route config (5.6 MB of JSON: YAML parse, schema, semantic checks): p50 = median run in ms.',
  'compile.ts',
  { routes: 10_000, mode: 'load' },
  { extraTimeMs: 180_000 },
);

const sign = (alg: 'ES256' | 'EdDSA') =>
  micro(
    `assertion-sign-${alg.toLowerCase()}`,
    null,
    `AssertionSigner.sign() with an ${alg} key, a new path every call (no reuse): one signature per call.`,
    'assertion-sign.ts',
    { alg },
  );
export const assertionSignEs256 = sign('ES256');
export const assertionSignEddsa = sign('EdDSA');
