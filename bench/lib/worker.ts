/**
 * Micro-benchmark workers: a script under `micro/` run in a fresh Node process (so scenarios
 * do not share JIT state or heap), given one JSON argument, answering one JSON line on stdout.
 */
import { join } from 'node:path';
import { type BenchContext, type Measurement, skip } from './types.ts';

/** What every worker answers (scenario-specific fields are logged, not reported). */
export interface WorkerAnswer {
  /** Why the worker could not measure (missing module, unsupported input): the scenario is skipped. */
  skipped?: string;
  rps?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Failed operations (wrong answers, errors); absent or null for pure computations. */
  errors?: number | null;
  /** One line of context for the progress log (hit rate, build time, overhead). */
  note?: string;
  [key: string]: unknown;
}

/**
 * Runs `node micro/<script> <json input>` in the scenario's scope and returns its answer as a
 * Measurement. The worker's own time bound is the scenario budget (see lib/runner.ts).
 * Skips the scenario when the worker says `skipped`; throws when it fails.
 */
export async function runWorker(
  ctx: BenchContext,
  name: string,
  script: string,
  input: Record<string, unknown>,
): Promise<Measurement & { answer: WorkerAnswer }> {
  const worker = ctx.scope.start({
    name,
    command: process.execPath,
    args: [join(ctx.benchDir, 'micro', script), JSON.stringify(input)],
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
  let answer: WorkerAnswer;
  try {
    answer = JSON.parse(line) as WorkerAnswer;
  } catch {
    throw new Error(`worker printed no JSON answer: ${line.slice(0, 200) || worker.logTail(3)}`);
  }
  if (answer.skipped) skip(answer.skipped);
  if (answer.note) ctx.log(`  ${answer.note}`);
  return {
    rps: answer.rps ?? 0,
    p50Ms: answer.p50Ms ?? 0,
    p99Ms: answer.p99Ms ?? 0,
    errors: answer.errors ?? null,
    answer,
  };
}
