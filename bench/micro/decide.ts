/**
 * Decision micro-benchmark: `decide()` (src/decision) over an engine built by `buildEngine`
 * with the real policy compiler (`engineParts`, src/server/parts.ts) from a config of N routes
 * with a 5-rule policy each (policy-fixtures.ts). The only stand-in is the authenticator: it
 * answers the bench user synchronously, as a warm session or JWT cache does, so the figure is
 * route lookup + authenticator call + policy + verdict.
 * - mix: requests spread over the table (4096 distinct, all aimed at a route);
 * - typical: one request repeated.
 * Usage: node micro/decide.ts '{"repoRoot","routes","mode","durationS","warmupS"}'
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_USER, benchConfig, benchQueries, benchRequest } from './policy-fixtures.ts';
import { answer, runMain, timeSync } from './timing.ts';

interface Input {
  repoRoot: string;
  routes: number;
  mode: 'mix' | 'typical';
  durationS: number;
  warmupS: number;
}

/** Distinct requests of the mix (a power of two). */
const MIX = 4096;

runMain<Input>(async (input) => {
  const src = (p: string) => pathToFileURL(join(input.repoRoot, 'src', p)).href;
  const { loadConfigText } = (await import(
    src('config/index.ts')
  )) as typeof import('../../src/config/index.ts');
  const { buildEngine, decide } = (await import(
    src('decision/index.ts')
  )) as typeof import('../../src/decision/index.ts');
  const { engineParts } = (await import(
    src('server/parts.ts')
  )) as typeof import('../../src/server/parts.ts');
  type RequestInfo = import('../../src/model/index.ts').RequestInfo;

  const t0 = performance.now();
  const loaded = loadConfigText(JSON.stringify(benchConfig(input.routes)));
  const t1 = performance.now();
  if (!loaded.ok)
    return answer({ skipped: `bench config rejected: ${JSON.stringify(loaded.problems.slice(0, 3))}` });
  const authenticated = Object.freeze({ status: 'authenticated' as const, principal: BENCH_USER });
  const built = buildEngine(loaded.config, 1, {
    ...engineParts({ checkOnly: true }),
    buildAuthenticators: () => ({
      authenticators: [{ name: 'bench-user', authenticate: () => authenticated }],
      problems: [],
    }),
  });
  const t2 = performance.now();
  if (!built.ok)
    return answer({ skipped: `buildEngine failed: ${JSON.stringify(built.problems.slice(0, 3))}` });
  const engine = built.engine;

  // Requests aimed at a route (a miss is a cheap route-not-found: not what is measured here).
  const hits: RequestInfo[] = [];
  for (const q of benchQueries(input.routes, MIX * 4)) {
    if (hits.length === MIX) break;
    if (engine.table.lookup(q.host, q.path) !== undefined) {
      hits.push(benchRequest(q.host, q.path, hits.length) as unknown as RequestInfo);
    }
  }
  while (hits.length < MIX) hits.push(hits[hits.length % Math.max(1, hits.length)]!);
  // typical: the first request for an ordinary service route (not the `*` health check or a wildcard).
  const typical =
    hits.find((r) => !engine.table.lookup(r.host, r.path)!.config.match.host.startsWith('*')) ?? hits[0]!;
  const requests = input.mode === 'typical' ? Array.from({ length: MIX }, () => typical) : hits;
  const nowSeconds = Math.floor(Date.now() / 1000);
  const routesHit = new Set(requests.map((r) => engine.table.lookup(r.host, r.path)?.id)).size;

  let denied = 0;
  let asyncVerdicts = 0;
  const check = decide(engine, requests[0]!, nowSeconds);
  if (check instanceof Promise || check.decision.outcome !== 'allow') {
    return answer({ skipped: `the bench user is not allowed: ${JSON.stringify((await check).decision)}` });
  }
  const timed = timeSync(
    (i) => {
      const v = decide(engine, requests[i & (MIX - 1)]!, nowSeconds);
      if (v instanceof Promise) asyncVerdicts++;
      else if (v.decision.outcome !== 'allow') denied++;
    },
    { warmupMs: input.warmupS * 1000, durationMs: input.durationS * 1000 },
  );
  const first = requests[0]!;
  answer({
    ...timed,
    errors: denied + asyncVerdicts,
    parseMs: t1 - t0,
    buildMs: t2 - t1,
    note: `${input.routes} routes (config ${Math.round(t1 - t0)} ms, buildEngine ${Math.round(t2 - t1)} ms), ${input.mode}: ${routesHit} route(s) hit${input.mode === 'typical' ? ` (${first.host}${first.path})` : ''}, ${timed.ops} decisions, ${denied} denied, ${asyncVerdicts} async; timer ${timed.timerOverheadNs} ns/op included`,
  });
});
