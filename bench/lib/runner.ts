/**
 * Runs scenarios one after the other, each in its own process scope and time budget, and
 * turns every failure into a skipped outcome with a reason: a run always ends with a report.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type CpuUse, formatCpuUse, startCpuWindow } from './cpu.ts';
import type { LoadTool } from './load.ts';
import { freePort, httpGet } from './net.ts';
import type { BenchOptions } from './options.ts';
import { isShuttingDown, ProcessScope } from './processes.ts';
import { formatLatency, type Outcome } from './report.ts';
import { startNodeService } from './services.ts';
import {
  type BenchContext,
  type HttpTarget,
  type Measurement,
  type Scenario,
  SkipScenario,
  skip,
  type Upstream,
} from './types.ts';

export interface RunEnvironment {
  options: BenchOptions;
  tmpDir: string;
  repoRoot: string;
  benchDir: string;
  /** The load tool, or why there is none (HTTP scenarios are then skipped with that reason). */
  loadTool: LoadTool | Error;
  log(message: string): void;
}

/** Pause after a scenario before stopping its processes, in ms (lets a crash surface). */
const SETTLE_MS = 200;

/** Default time a scenario may take beyond warm-up + duration, in ms. */
const DEFAULT_EXTRA_MS = 60_000;

/** Upper bound of a scenario's run time in ms. */
export function scenarioBudgetMs(scenario: Scenario, options: BenchOptions): number {
  return (options.warmupS + options.durationS) * 1000 + (scenario.extraTimeMs ?? DEFAULT_EXTRA_MS);
}

/** Upper bound of a whole run in ms (every round of every scenario, plus start-up slack). */
export function runBudgetMs(scenarios: Scenario[], options: BenchOptions): number {
  return scenarios.reduce((sum, s) => sum + scenarioBudgetMs(s, options), 0) * options.rounds + 30_000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One outcome from several rounds: the median of each figure over the rounds that measured,
 * with the failures of the other rounds as a warning; the first skip when none measured.
 */
export function combineRounds(list: Outcome[]): Outcome {
  const ms = list.flatMap((o) => ('measurement' in o ? [o.measurement] : []));
  if (ms.length === 0) return list.find((o) => 'skipped' in o) ?? { skipped: 'not run' };
  const warnings = list.flatMap((o, i) => {
    if ('skipped' in o) return [`round ${i + 1} failed: ${o.skipped}`];
    return o.warning ? [list.length > 1 ? `round ${i + 1}: ${o.warning}` : o.warning] : [];
  });
  const errors = ms.map((m) => m.errors);
  const measurement: Measurement = {
    rps: median(ms.map((m) => m.rps)),
    p50Ms: median(ms.map((m) => m.p50Ms)),
    p99Ms: median(ms.map((m) => m.p99Ms)),
    errors: errors.every((e) => e === null) ? null : errors.reduce<number>((sum, e) => sum + (e ?? 0), 0),
  };
  const cpu = medianCpu(ms.flatMap((m) => (m.cpu ? [m.cpu] : [])));
  if (cpu) measurement.cpu = cpu;
  return warnings.length > 0 ? { measurement, warning: warnings.join('; ') } : { measurement };
}

/** Per process, the median of its CPU per request over the rounds that measured it; likewise the machine's. */
function medianCpu(uses: CpuUse[]): CpuUse | undefined {
  if (uses.length === 0) return undefined;
  const names = new Set(uses.flatMap((u) => Object.keys(u.usPerRequest)));
  const usPerRequest: Record<string, number> = {};
  for (const name of names) {
    usPerRequest[name] = median(uses.flatMap((u) => (name in u.usPerRequest ? [u.usPerRequest[name]!] : [])));
  }
  return { usPerRequest, machineBusyPct: median(uses.map((u) => u.machineBusyPct)) };
}

/**
 * Runs `scenarios` in order, `options.rounds` times over (fresh processes each round, so the
 * noise of a shared machine spreads over all of them); returns each one's outcome by name.
 */
export async function runScenarios(
  scenarios: Scenario[],
  env: RunEnvironment,
): Promise<Map<string, Outcome>> {
  const { options, log } = env;
  const shared = new ProcessScope();
  let upstream: Promise<Upstream> | null = null;
  const startUpstream = async (): Promise<Upstream> => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    await startNodeService(shared, {
      name: 'upstream',
      script: 'servers/upstream.ts',
      args: [String(port)],
      logDir: env.tmpDir,
      readyUrl: url,
    });
    log(`upstream listening on ${url}`);
    return { url, port };
  };

  const measureHttp = async (target: HttpTarget, scope: ProcessScope): Promise<Measurement> => {
    const tool = env.loadTool;
    if (tool instanceof Error) skip(tool.message);
    let probe: Awaited<ReturnType<typeof httpGet>>;
    try {
      probe = await httpGet(target.url, { host: target.host, headers: target.headers, timeoutMs: 5000 });
    } catch (error) {
      skip(`probe of ${target.url} failed: ${(error as Error).message}`);
    }
    if (probe.status !== 200) {
      skip(`probe of ${target.url} answered ${probe.status}: ${probe.body.slice(0, 200).trim()}`);
    }
    const spec = {
      url: target.url,
      host: target.host,
      headers: target.headers,
      uniquePathPrefix: target.uniquePathPrefix,
      connections: options.connections,
      threads: options.threads,
    };
    log(`  warm-up ${options.warmupS} s`);
    await tool.run({ ...spec, durationS: options.warmupS });
    log(`  measuring ${options.durationS} s, ${options.connections} connections (${tool.name})`);
    // the scenario's processes and the shared upstream (the load tool's share is in the machine's figure)
    const window = startCpuWindow([...scope.subjects(), ...shared.subjects()]);
    const m = await tool.run({ ...spec, durationS: options.durationS });
    const cpu = window.finish(m.rps * options.durationS);
    if (!cpu) return m;
    log(`  ${formatCpuUse(cpu)}`);
    return { ...m, cpu };
  };

  const runOnce = async (scenario: Scenario): Promise<Outcome> => {
    const scope = new ProcessScope();
    const ctx: BenchContext = {
      options,
      tmpDir: env.tmpDir,
      repoRoot: env.repoRoot,
      benchDir: env.benchDir,
      scope,
      loadTool: env.loadTool instanceof Error ? null : env.loadTool,
      upstream: () => {
        upstream ??= startUpstream();
        return upstream;
      },
      measureHttp: (target) => measureHttp(target, scope),
      log,
    };
    const budgetMs = scenarioBudgetMs(scenario, options);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${budgetMs / 1000} s`)), budgetMs);
    });
    let outcome: Outcome;
    try {
      const m = await Promise.race([scenario.run(ctx), timeout]);
      log(
        `  ${Math.round(m.rps)} rps, p50 ${formatLatency(m.p50Ms)}, p99 ${formatLatency(m.p99Ms)}, errors ${m.errors ?? '-'}`,
      );
      outcome = { measurement: m };
    } catch (error) {
      if (error instanceof SkipScenario) {
        outcome = { skipped: error.message };
      } else {
        // Killed by Ctrl-C: the signal handler exits once the children are down; start nothing new.
        if (isShuttingDown()) await new Promise<never>(() => {});
        log(`  error: ${(error as Error).stack ?? String(error)}`);
        outcome = { skipped: `failed: ${(error as Error).message}`, failed: true };
      }
      log(`  skipped: ${outcome.skipped}`);
    } finally {
      clearTimeout(timer);
    }
    // A server that dies as the load stops still casts doubt on the figures: let it show.
    await delay(SETTLE_MS);
    await scope.stopAll();
    const warning = scope
      .crashed()
      .map(
        (c) =>
          `${c.name} died on its own (${c.exit.error?.message ?? c.exit.code ?? c.exit.signal}): ${c.tail}`,
      )
      .join('; ');
    if (warning) {
      log(`  warning: ${warning}`);
      // A crash usually explains a failure better than the failure itself.
      outcome =
        'measurement' in outcome
          ? { ...outcome, warning }
          : { skipped: `${outcome.skipped}; ${warning}`, failed: true };
    }
    return outcome;
  };

  const rounds = new Map<string, Outcome[]>(scenarios.map((s) => [s.name, []]));
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const scenario of scenarios) {
        const previous = rounds.get(scenario.name)!;
        // A missing prerequisite (no nginx, no CLI yet) is not retried; a failure or crash is.
        if (previous.some((o) => 'skipped' in o && !o.failed)) continue;
        log(`» ${scenario.name}${options.rounds > 1 ? ` (round ${round}/${options.rounds})` : ''}`);
        previous.push(await runOnce(scenario));
      }
    }
  } finally {
    await shared.stopAll();
  }
  const outcomes = new Map<string, Outcome>();
  for (const [name, list] of rounds) outcomes.set(name, combineRounds(list));
  return outcomes;
}
