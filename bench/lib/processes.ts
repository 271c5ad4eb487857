/**
 * Child processes of a benchmark run: started in their own process group, output to a log
 * file (never through the harness, which would cost CPU), tracked so that nothing outlives the
 * harness: scopes stop their processes when a scenario ends, and exit, SIGINT, SIGTERM and
 * uncaught errors kill whatever is left (nginx included).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { CpuSubject } from './cpu.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Spawn failure (e.g. ENOENT), if any. */
  error?: Error;
  /** True when the process ended before anyone asked it to stop. */
  unprompted: boolean;
}

export interface StartOptions {
  /** Short name for logs. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** File receiving stderr (and stdout unless captured). */
  logFile: string;
  /** Collect stdout in memory instead of the log file (for small JSON answers). */
  captureStdout?: boolean;
  /** Open an IPC channel: Node children exit when it closes, i.e. when the harness dies. */
  ipc?: boolean;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** Settles when the process has exited (or failed to spawn). */
  readonly exited: Promise<ExitInfo>;
  /** Exit status, or null while running. */
  exitInfo(): ExitInfo | null;
  /** Captured stdout (captureStdout only). */
  stdout(): string;
  /** SIGTERM to the process group, SIGKILL after `graceMs` (default 2000). */
  stop(graceMs?: number): Promise<void>;
  /** Last lines of the log file, for skip reasons and errors. */
  logTail(lines?: number): string;
}

/** Running children and how to SIGKILL their process group. */
const live = new Map<ManagedProcess, () => void>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Starts a child process in its own process group and tracks it until it exits. */
export function startProcess(options: StartOptions): ManagedProcess {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    const stdio: ('ignore' | 'pipe' | 'ipc' | number)[] = ['ignore', options.captureStdout ? 'pipe' : fd, fd];
    if (options.ipc) stdio.push('ipc');
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio,
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  let info: ExitInfo | null = null;
  let stopRequested = false;
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
  });
  // A closed IPC channel or a failed kill must not crash the harness.
  child.on('error', () => {});
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      if (child.pid === undefined) {
        info = { code: null, signal: null, error, unprompted: !stopRequested };
        resolve(info);
      }
    });
    child.once('close', (code, signal) => {
      info = { code, signal, unprompted: !stopRequested };
      resolve(info);
    });
  });
  const handle: ManagedProcess = {
    name: options.name,
    pid: child.pid,
    logFile: options.logFile,
    exited,
    exitInfo: () => info,
    stdout: () => out,
    async stop(graceMs = 2000) {
      if (info) return;
      stopRequested = true;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Stray grandchildren of the group, if any.
      signalGroup(child, 'SIGKILL');
    },
    logTail: (lines = 5) => tail(options.logFile, lines),
  };
  live.set(handle, () => signalGroup(child, 'SIGKILL'));
  void exited.then(() => live.delete(handle));
  return handle;
}

/** Last `lines` non-empty lines of a file, joined by " | " ("" when unreadable). */
export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-lines)
      .join(' | ');
  } catch {
    return '';
  }
}

/**
 * What a crashed process said last: its last error line and the frame under it (Node prints the
 * stack after the message, so a plain tail would show only the bottom frames), else its tail.
 */
export function crashSummary(file: string): string {
  const lines = tail(file, 40).split(' | ');
  const at = lines.findLastIndex((l) => /^(\w*Error\b|Uncaught)|Error:/.test(l));
  if (at === -1) return lines.slice(-4).join(' | ');
  return lines.slice(at, at + 2).join(' | ');
}

/** The processes of one scenario (or of the whole run), stopped together. */
export class ProcessScope {
  readonly #processes: ManagedProcess[] = [];

  start(options: StartOptions): ManagedProcess {
    const p = startProcess(options);
    this.#processes.push(p);
    return p;
  }

  /** Name and pid of each process of the scope still running, for CPU accounting (cpu.ts). */
  subjects(): CpuSubject[] {
    return this.#processes.filter((p) => p.exitInfo() === null).map((p) => ({ name: p.name, pid: p.pid }));
  }

  /** Processes of the scope that died on their own with a non-zero code or a signal. */
  crashed(): { name: string; exit: ExitInfo; tail: string }[] {
    return this.#processes.flatMap((p) => {
      const exit = p.exitInfo();
      const failed = exit?.unprompted && (exit.code !== 0 || exit.signal !== null);
      return exit && failed ? [{ name: p.name, exit, tail: crashSummary(p.logFile) }] : [];
    });
  }

  /** Stops every process of the scope, in reverse start order. */
  async stopAll(): Promise<void> {
    for (const p of [...this.#processes].reverse()) await p.stop();
  }
}

/** SIGKILLs every live child process group, synchronously (safe in an 'exit' handler). */
export function killAllNow(): void {
  for (const kill of live.values()) kill();
}

/** Stops every live child gracefully, SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 1500): Promise<void> {
  await Promise.all([...live.keys()].map((p) => p.stop(graceMs)));
}

let shuttingDown = false;

/** True once a signal asked the harness to stop (errors from killed children are expected then). */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

/** Number of children still running (for tests and the final check). */
export function liveCount(): number {
  return live.size;
}

/**
 * Makes sure no child outlives the harness: on exit (any cause), SIGINT, SIGTERM, SIGHUP and
 * uncaught errors. `onExit` runs last (e.g. to remove the temporary directory).
 */
export function installCleanup(onExit: () => void, log: (message: string) => void): void {
  let stopping = false;
  process.on('exit', () => {
    killAllNow();
    onExit();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      killAllNow();
      process.exit(130);
    }
    stopping = true;
    shuttingDown = true;
    log(`${signal}: stopping ${live.size} child process(es)`);
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  const onFatal = (error: unknown) => {
    log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killAllNow();
    process.exit(1);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}
