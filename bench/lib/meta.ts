/**
 * Run metadata: when, which commit, which Node, what machine, which load tool.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { BenchOptions } from './options.ts';
import type { Meta } from './report.ts';

function git(repoRoot: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 5000,
      stdio: 'pipe',
    }).trim();
  } catch {
    return null;
  }
}

/** Collects the report's `meta` object. */
export function collectMeta(repoRoot: string, options: BenchOptions, loadTool: string | null): Meta {
  const status = git(repoRoot, ['status', '--porcelain']);
  return {
    date: new Date().toISOString(),
    commit: git(repoRoot, ['rev-parse', '--short', 'HEAD']),
    node: process.version,
    cpus: availableParallelism(),
    loadTool,
    dirty: status === null ? null : status.length > 0,
    cpuModel: cpus()[0]?.model ?? null,
    durationS: options.durationS,
    warmupS: options.warmupS,
    connections: options.connections,
    rounds: options.rounds,
    /** 1-minute load average when the report was written: other work skews the figures. */
    loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
  };
}
