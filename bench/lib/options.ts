/**
 * Command-line options of `npm run bench -- [options]`.
 */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Print one JSON object on stdout instead of a table. */
  json: boolean;
  /** Measured seconds per scenario (default 5; 2 with --quick). */
  durationS: number;
  /** Warm-up seconds per target before measuring (default 2; 1 with --quick). */
  warmupS: number;
  /** Concurrent client connections (default 32). */
  connections: number;
  /** Times the whole list runs; figures are medians over rounds (default 1). */
  rounds: number;
  /** wrk threads (default 1: leave the cores to the processes under test). */
  threads: number;
  /** Scenario names to run (their baselines are added); null runs all. */
  only: string[] | null;
  /** Load tool: wrk when installed, else autocannon (default auto). */
  loadTool: 'auto' | 'wrk' | 'autocannon';
  /** Also write the JSON report to this file. */
  out: string | null;
  /** Keep the temporary directory (configs, logs) and print its path. */
  keepTmp: boolean;
  list: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --json                 print one JSON object on stdout (logs go to stderr)
  --quick                2 s per scenario, 1 s warm-up
  --duration <s>         measured seconds per scenario (default 5)
  --warmup <s>           warm-up seconds per target (default 2)
  --connections <n>      concurrent connections (default 32)
  --threads <n>          wrk threads (default 1)
  --rounds <n>           run everything n times, report medians (default 1)
  --only <a,b>           run only these scenarios (and their baselines)
  --load-tool <t>        auto | wrk | autocannon (default auto: wrk if installed)
  --out <file>           also write the JSON report to <file>
  --keep-tmp             keep the temporary directory with configs and logs
  --list                 list the scenarios and exit
  -h, --help             this help
`;

function positive(name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} expects a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return value;
}

/** Parses argv (without node and script). Throws an Error with a readable message on bad input. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      'load-tool': { type: 'string', default: 'auto' },
      out: { type: 'string' },
      'keep-tmp': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const loadTool = values['load-tool'];
  if (loadTool !== 'auto' && loadTool !== 'wrk' && loadTool !== 'autocannon') {
    throw new Error(`--load-tool expects auto, wrk or autocannon, got "${loadTool}"`);
  }
  const connections = positive('connections', values.connections, 32, true);
  const threads = Math.min(positive('threads', values.threads, 1, true), connections);
  const only = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
  return {
    json: values.json,
    durationS: positive('duration', values.duration, values.quick ? 2 : 5, false),
    warmupS: positive('warmup', values.warmup, values.quick ? 1 : 2, false),
    connections,
    rounds: positive('rounds', values.rounds, 1, true),
    threads,
    only,
    loadTool,
    out: values.out ?? null,
    keepTmp: values['keep-tmp'],
    list: values.list,
    help: values.help,
  };
}
