/**
 * Starting the harness's own Node services (servers/*.ts) and waiting until they answer.
 */
import { join } from 'node:path';
import { waitForHttp } from './net.ts';
import type { ManagedProcess, ProcessScope } from './processes.ts';

export interface NodeServiceOptions {
  /** Short name, also the log file name. */
  name: string;
  /** Script path relative to bench/. */
  script: string;
  args: string[];
  /** Directory for the log file. */
  logDir: string;
  /** URL that answers 200 once the service is ready. */
  readyUrl: string;
  /** Readiness timeout in ms (default 10000). */
  timeoutMs?: number;
}

const BENCH_DIR = join(import.meta.dirname, '..');

/**
 * Starts `node <script> <args>` with the harness's own Node (24) and an IPC channel (the
 * service exits if the harness dies), then waits for `readyUrl`. Throws with the log tail
 * when the service does not become ready.
 */
export async function startNodeService(
  scope: ProcessScope,
  options: NodeServiceOptions,
): Promise<ManagedProcess> {
  const child = scope.start({
    name: options.name,
    command: process.execPath,
    args: [join(BENCH_DIR, options.script), ...options.args],
    cwd: BENCH_DIR,
    logFile: join(options.logDir, `${options.name}.log`),
    ipc: true,
  });
  const ready = await waitForHttp(options.readyUrl, {
    timeoutMs: options.timeoutMs ?? 10_000,
    stillRunning: () => child.exitInfo() === null,
  });
  if (!ready) {
    const exit = child.exitInfo();
    const state = exit ? `exited (${exit.code ?? exit.signal})` : 'not ready in time';
    throw new Error(`${options.name} ${state}: ${child.logTail(3) || 'no output'}`);
  }
  return child;
}
