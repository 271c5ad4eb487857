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
 */
export function routeLookup(name: string, routes: number, baseline: string | null): Scenario {
  return {
    name,
    baseline,
    description: `Route table lookup with ${routes} routes, mixed hits and misses (lookups/s).`,
    target: baseline ? { minRatio: 1 / 1.2 } : undefined,
    async run(ctx): Promise<Measurement> {
      const modulePath = join(ctx.repoRoot, 'src/routing/index.ts');
      const { durationS, warmupS } = ctx.options;
      ctx.log(`${name}: ${routes} routes, ${warmupS} s warm-up, ${durationS} s measured`);
      const worker = ctx.scope.start({
        name,
        command: process.execPath,
        args: [
          join(ctx.benchDir, 'micro/route-lookup.ts'),
          modulePath,
          String(routes),
          String(durationS),
          String(warmupS),
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
export const routeLookup1k = routeLookup('route-lookup-1k', 1_000, 'route-lookup-10');
export const routeLookup10k = routeLookup('route-lookup-10k', 10_000, 'route-lookup-10');
