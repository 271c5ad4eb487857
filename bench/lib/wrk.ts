/**
 * Load with wrk (C, event loop, little CPU per request: it leaves the cores of a small machine
 * to the processes under test). The latency distribution comes from `wrk-report.lua`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LoadRun, LoadTool } from './load.ts';
import { startProcess } from './processes.ts';
import type { Measurement } from './types.ts';

const MARKER = 'BENCH_RESULT ';
const SCRIPT = join(import.meta.dirname, 'wrk-report.lua');

interface WrkReport {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  socketErrors: number;
  httpErrors: number;
}

/** Parses the marker line printed by wrk-report.lua out of wrk's stdout. */
export function parseWrkOutput(stdout: string): Measurement {
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER));
  if (!line) throw new Error(`wrk printed no result line: ${stdout.trim().slice(-300)}`);
  const report = JSON.parse(line.slice(MARKER.length)) as WrkReport;
  if (!(report.requests > 0)) {
    throw new Error(`wrk completed no request (${report.socketErrors} socket errors: is the target down?)`);
  }
  return {
    rps: report.rps,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    errors: report.socketErrors + report.httpErrors,
  };
}

/** The wrk load tool at `path`; `logDir` receives wrk's stderr. */
export function wrkTool(path: string, logDir: string): LoadTool {
  const probe = spawnSync(path, ['-v'], { encoding: 'utf8', timeout: 5000 });
  const version = /wrk\s+(\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? 'unknown';
  return {
    name: `wrk ${version}`,
    async run(spec: LoadRun): Promise<Measurement> {
      const seconds = Math.max(1, Math.round(spec.durationS));
      const args = [
        '-t',
        String(spec.threads),
        '-c',
        String(spec.connections),
        '-d',
        `${seconds}s`,
        '--timeout',
        '5s',
        '-s',
        SCRIPT,
      ];
      if (spec.host) args.push('-H', `Host: ${spec.host}`);
      args.push(spec.url);
      const wrk = startProcess({
        name: 'wrk',
        command: path,
        args,
        logFile: join(logDir, 'wrk.log'),
        captureStdout: true,
      });
      const guard = setTimeout(() => void wrk.stop(500), (seconds + 15) * 1000);
      const exit = await wrk.exited;
      clearTimeout(guard);
      if (exit.error) throw new Error(`wrk failed to start: ${exit.error.message}`);
      if (exit.code !== 0) {
        throw new Error(
          `wrk exited with ${exit.code ?? exit.signal}: ${wrk.logTail(3) || wrk.stdout().trim()}`,
        );
      }
      return parseWrkOutput(wrk.stdout());
    },
  };
}
