import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

/** The repository root (where `src/cli/main.ts` lives). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI to completion (e.g. `check`), with the same Node that runs the tests. */
export function runCli(args: readonly string[], timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    proc.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gatehouse ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ChildGatehouse {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Port of the listener named `web`. */
  readonly port: number;
  readonly url: string;
  readonly adminUrl: string;
  /** Exit code and signal, once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote to stderr so far (its operational log). */
  stderr(): string;
  /** Kill the process if it still runs (SIGKILL) and wait for it. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** Extra Node options before the script (e.g. V8 flags). */
  readonly nodeArgs?: readonly string[];
  /** How long start-up may take (default 15000 ms). */
  readonly timeoutMs?: number;
}

/**
 * Spawn `gatehouse serve -c FILE` as a child process. Ready when its `started` log line has
 * given the bound ports and admin `/readyz` answers 200 (polled, bounded).
 */
export async function spawnGatehouse(
  configFile: string,
  options: SpawnOptions = {},
): Promise<ChildGatehouse> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN, 'serve', '-c', configFile], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
  });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const started = new Promise<{ listeners: { name: string; port: number }[]; admin: number }>(
    (resolve, reject) => {
      let pending = '';
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        pending += d;
        let nl = pending.indexOf('\n');
        while (nl !== -1) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
          try {
            const rec = JSON.parse(line) as {
              event?: string;
              listeners?: { name: string; port: number }[];
              admin?: number;
            };
            if (rec.event === 'started' && rec.listeners && rec.admin !== undefined) {
              resolve({ listeners: rec.listeners, admin: rec.admin });
            }
          } catch {
            // not a JSON log line
          }
        }
      });
      exited.then(({ code, signal }) =>
        reject(new Error(`gatehouse exited early (${code ?? signal}):\n${stderr}`)),
      );
      setTimeout(
        () => reject(new Error(`gatehouse did not start within ${timeoutMs} ms:\n${stderr}`)),
        timeoutMs,
      ).unref();
    },
  );
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  let info: Awaited<typeof started>;
  try {
    info = await started;
  } catch (err) {
    await kill();
    throw err;
  }
  const web = info.listeners.find((l) => l.name === 'web') ?? info.listeners[0]!;
  const adminUrl = `http://127.0.0.1:${info.admin}`;
  for (let attempt = 0; ; attempt++) {
    const res = await request(`${adminUrl}/readyz`).catch(() => undefined);
    await res?.body.dump();
    if (res?.statusCode === 200) break;
    if (attempt >= 100) {
      await kill();
      throw new Error(`gatehouse never became ready:\n${stderr}`);
    }
    await delay(20);
  }
  return {
    proc,
    pid: proc.pid!,
    port: web.port,
    url: `http://127.0.0.1:${web.port}`,
    adminUrl,
    exited,
    stderr: () => stderr,
    kill,
  };
}

/** A process's resident memory from /proc (kB): current (VmRSS) and peak (VmHWM). */
export function processMemoryKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}
