/**
 * Gatehouse benchmark harness. `npm run bench -- [--json] [--quick] ...` from the repository
 * root (see RESULTS.md). Results on stdout (a table, or one JSON object with --json), progress
 * on stderr. Every child process is stopped on exit, Ctrl-C or error; every run is bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chooseLoadTool } from './lib/load.ts';
import { collectMeta } from './lib/meta.ts';
import { type BenchOptions, parseOptions, USAGE } from './lib/options.ts';
import { installCleanup, killAllNow } from './lib/processes.ts';
import { buildRows, formatTable, type Report } from './lib/report.ts';
import { runBudgetMs, runScenarios } from './lib/runner.ts';
import { SCENARIOS, selectScenarios } from './scenarios/index.ts';

const BENCH_DIR = import.meta.dirname;
const REPO_ROOT = join(BENCH_DIR, '..');

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main(): Promise<number> {
  let options: BenchOptions;
  let scenarios: ReturnType<typeof selectScenarios>;
  try {
    options = parseOptions(process.argv.slice(2));
    scenarios = selectScenarios(options.only);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.list) {
    const width = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS) {
      process.stdout.write(
        `${s.name.padEnd(width)} ${s.baseline ? `vs ${s.baseline}` : 'baseline'}: ${s.description}\n`,
      );
    }
    return 0;
  }

  const tmpDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  installCleanup(() => {
    if (!options.keepTmp) rmSync(tmpDir, { recursive: true, force: true });
  }, log);
  if (options.keepTmp) log(`temporary directory (kept): ${tmpDir}`);

  // Hard bound on the whole run, whatever happens inside a scenario.
  const totalMs = runBudgetMs(scenarios, options);
  setTimeout(() => {
    log(`run exceeded ${Math.round(totalMs / 1000)} s: stopping`);
    killAllNow();
    process.exit(3);
  }, totalMs).unref();

  const loadTool = await chooseLoadTool(options.loadTool, tmpDir);
  log(loadTool instanceof Error ? `no load tool: ${loadTool.message}` : `load tool: ${loadTool.name}`);

  const outcomes = await runScenarios(scenarios, {
    options,
    tmpDir,
    repoRoot: REPO_ROOT,
    benchDir: BENCH_DIR,
    loadTool,
    log,
  });
  const report: Report = {
    scenarios: buildRows(scenarios, outcomes),
    meta: collectMeta(REPO_ROOT, options, loadTool instanceof Error ? null : loadTool.name),
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  // the report first: a bad --out path must not throw away a run
  process.stdout.write(options.json ? json : formatTable(report));
  if (options.out) {
    // relative to where `npm run bench` was typed (npm runs this script inside bench/)
    const out = resolve(process.env.INIT_CWD ?? process.cwd(), options.out);
    try {
      writeFileSync(out, json);
      log(`report written to ${out}`);
    } catch (err) {
      log(`could not write the report to ${out}: ${(err as Error).message}`);
      return 1;
    }
  }
  return 0;
}

process.exitCode = await main();
