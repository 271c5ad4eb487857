import { join } from 'node:path';
import { type Measurement, type Scenario, skip } from '../lib/types.ts';

interface WorkerAnswer {
  skipped?: string;
  rps?: number;
  p50Ms?: number;
  p99Ms?: number;
  hitRate?: number;
  buildMs?: number;
  lookups?: number;
}

/**
 * `buildRouteTable` from src/routing with `routes` generated routes, timed in a fresh process
 * (micro/route-lookup.ts). rps = lookups per second; p50/p99 = per-lookup ms of timed batches.
 * `queriesFrom`: the queries are those of the table of that many routes (contained in this
 * one), so the same requests are looked up in a larger table; default: queries spread over
 * this table's own routes.
 */
export function routeLookup(
  name: string,
  routes: number,
  baseline: string | null,
  o: { queriesFrom?: number; target?: boolean } = {},
): Scenario {
  const queriesFrom = o.queriesFrom ?? routes;
  return {
    name,
    baseline,
    description:
      queriesFrom === routes
        ? `Route table lookup with ${routes} routes, queries spread over all of them (lookups/s).`
        : `Route table lookup with ${routes} routes, the ${queriesFrom}-route table's queries (lookups/s).`,
    target: o.target && baseline ? { minRatio: 1 / 1.2 } : undefined,
    async run(ctx): Promise<Measurement> {
      const modulePath = join(ctx.repoRoot, 'src/routing/index.ts');
      const { durationS, warmupS } = ctx.options;
      ctx.log(
        `${name}: ${routes} routes, queries from ${queriesFrom}, ${warmupS} s warm-up, ${durationS} s measured`,
      );
      const worker = ctx.scope.start({
        name,
        command: process.execPath,
        args: [
          join(ctx.benchDir, 'micro/route-lookup.ts'),
          modulePath,
          String(routes),
          String(durationS),
          String(warmupS),
          String(queriesFrom),
        ],
        cwd: ctx.benchDir,
        logFile: join(ctx.tmpDir, `${name}.log`),
        captureStdout: true,
      });
      const exit = await worker.exited;
      if (exit.code !== 0) {
        throw new Error(
          `worker exited with ${exit.error?.message ?? exit.code ?? exit.signal}: ${worker.logTail(3)}`,
        );
      }
      const line = worker.stdout().trim().split('\n').at(-1) ?? '';
      const answer = JSON.parse(line) as WorkerAnswer;
      if (answer.skipped) skip(answer.skipped);
      ctx.log(
        `${name}: hit rate ${((answer.hitRate ?? 0) * 100).toFixed(1)}%, build ${answer.buildMs?.toFixed(1)} ms, ${answer.lookups} lookups`,
      );
      return { rps: answer.rps ?? 0, p50Ms: answer.p50Ms ?? 0, p99Ms: answer.p99Ms ?? 0, errors: null };
    },
  };
}

export const routeLookup10 = routeLookup('route-lookup-10', 10, null);
/** The target: the same requests must not get slower as routes are added. */
export const routeLookup1k = routeLookup('route-lookup-1k', 1_000, 'route-lookup-10', {
  queriesFrom: 10,
  target: true,
});
export const routeLookup10k = routeLookup('route-lookup-10k', 10_000, 'route-lookup-10', {
  queriesFrom: 10,
  target: true,
});
/** Recorded: traffic spread over every route of the larger table (its working set leaves the CPU caches). */
export const routeLookup1kSpread = routeLookup('route-lookup-1k-spread', 1_000, 'route-lookup-10');
export const routeLookup10kSpread = routeLookup('route-lookup-10k-spread', 10_000, 'route-lookup-10');
