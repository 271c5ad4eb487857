/**
 * Picks the load generator: wrk when installed (or asked for), autocannon otherwise.
 */
import { autocannonTool } from './autocannon.ts';
import type { BenchOptions } from './options.ts';
import type { Measurement } from './types.ts';
import { findExecutable } from './which.ts';
import { wrkTool } from './wrk.ts';

/** One load run against one URL. */
export interface LoadRun {
  url: string;
  /** Host header (default: from the URL). */
  host?: string;
  /** Extra request headers on every request. */
  headers?: Record<string, string>;
  /** When set, request N goes to `<uniquePathPrefix><N>` instead of the URL's path (no two alike). */
  uniquePathPrefix?: string;
  durationS: number;
  connections: number;
  /** wrk threads; ignored by autocannon. */
  threads: number;
}

export interface LoadTool {
  /** Name and version, reported in meta.loadTool. */
  name: string;
  run(spec: LoadRun): Promise<Measurement>;
}

/** The load tool for this run, or an Error saying why none is usable. */
export async function chooseLoadTool(
  preference: BenchOptions['loadTool'],
  logDir: string,
): Promise<LoadTool | Error> {
  if (preference !== 'autocannon') {
    const wrk = findExecutable('wrk');
    if (wrk) return wrkTool(wrk, logDir);
    if (preference === 'wrk') return new Error('wrk not installed (apt-get install wrk)');
  }
  return autocannonTool();
}
