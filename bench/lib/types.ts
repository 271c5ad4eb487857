/**
 * Shared shapes of the benchmark harness: what a scenario is, what it may use, what it returns.
 * A scenario is one file under `scenarios/` registered in `scenarios/index.ts`.
 */
import type { CpuUse } from './cpu.ts';
import type { LoadTool } from './load.ts';
import type { BenchOptions } from './options.ts';
import type { ProcessScope } from './processes.ts';

/** One measured figure set. Load scenarios count HTTP requests; micro-benchmarks count calls. */
export interface Measurement {
  /** Operations per second over the measured window. */
  rps: number;
  /** Median latency of one operation, in milliseconds. */
  p50Ms: number;
  /** 99th percentile latency of one operation, in milliseconds. */
  p99Ms: number;
  /** Failed operations (connection errors, timeouts, non-2xx); null when not applicable. */
  errors: number | null;
  /** Load scenarios on Linux: CPU per request of each process under test, and how busy the machine was. */
  cpu?: CpuUse;
}

/** A running HTTP service a scenario can point the load tool at. */
export interface HttpTarget {
  /** Full URL, always on 127.0.0.1. */
  url: string;
  /** Host header to send (default: the URL's host). */
  host?: string;
  /** Extra request headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** When set, request N goes to `<uniquePathPrefix><N>` (defeats per-path caches); the probe uses the URL. */
  uniquePathPrefix?: string;
}

/** The shared bare upstream. */
export interface Upstream extends HttpTarget {
  port: number;
}

/** What a scenario gets from the runner. */
export interface BenchContext {
  readonly options: BenchOptions;
  /** Temporary directory of this run, removed on exit (unless --keep-tmp). */
  readonly tmpDir: string;
  /** The Gatehouse repository root (parent of bench/). */
  readonly repoRoot: string;
  /** The bench/ directory. */
  readonly benchDir: string;
  /** Processes of this scenario: stopped when the scenario ends, whatever the outcome. */
  readonly scope: ProcessScope;
  /** The load tool chosen for this run, or null when none is usable. */
  readonly loadTool: LoadTool | null;
  /** The shared bare upstream (started once per run, on first use). */
  upstream(): Promise<Upstream>;
  /** Probes the target (expects 200), warms it up, then measures it with the load tool. */
  measureHttp(target: HttpTarget): Promise<Measurement>;
  /** Writes a progress line to stderr. */
  log(message: string): void;
}

/** Targets a scenario is judged against; ratios are taken against its baseline. */
export interface Target {
  /** Lowest acceptable rps ratio (rps / baseline rps). */
  minRatio?: number;
  /** Highest acceptable p99 ratio (p99 / baseline p99). */
  maxP99Ratio?: number;
  /** Highest acceptable median latency, in ms (absolute: for micro-benchmarks without a baseline). */
  maxP50Ms?: number;
  /** Highest acceptable 99th percentile latency, in ms (absolute). */
  maxP99Ms?: number;
}

/** A benchmark scenario. */
export interface Scenario {
  /** Stable kebab-case name, reported as is. */
  name: string;
  /** Name of the scenario the ratio is taken against; null for baselines. */
  baseline: string | null;
  /** One line for `--list` and RESULTS.md. */
  description: string;
  target?: Target;
  /** Upper bound of this scenario's run time in ms beyond warm-up + duration (default 60000). */
  extraTimeMs?: number;
  /** Measures; throws SkipScenario (see `skip()`) when a prerequisite is missing. */
  run(ctx: BenchContext): Promise<Measurement>;
}

/** Thrown to report a scenario as skipped with a human-readable reason. */
export class SkipScenario extends Error {
  override name = 'SkipScenario';
}

/** Stops the current scenario and reports it as skipped with `reason`. */
export function skip(reason: string): never {
  throw new SkipScenario(reason);
}
