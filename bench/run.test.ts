import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

const RUN = `${import.meta.dirname}/run.ts`;

test('--json prints exactly one JSON object on stdout, logs on stderr', () => {
  const stdout = execFileSync(
    process.execPath,
    [RUN, '--json', '--only', 'upstream-direct,route-lookup-10', '--duration', '1', '--warmup', '0.5'],
    { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const report = JSON.parse(stdout) as {
    scenarios: Record<string, unknown>[];
    meta: Record<string, unknown>;
  };
  assert.deepEqual(
    report.scenarios.map((s) => s['name']),
    ['upstream-direct', 'route-lookup-10'],
  );
  for (const s of report.scenarios) {
    for (const key of ['name', 'rps', 'p50Ms', 'p99Ms', 'baseline', 'ratio']) assert.ok(key in s, key);
    // Either measured or skipped with a reason, never both, never neither.
    assert.equal(s['skipped'] === null, typeof s['rps'] === 'number', JSON.stringify(s));
  }
  for (const key of ['date', 'commit', 'node', 'cpus', 'loadTool']) assert.ok(key in report.meta, key);
  assert.equal(report.meta['node'], process.version);
});

function descendants(root: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of table) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

/** Running (a zombie, dead but not yet reaped by this machine's init, does not count). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

test('Ctrl-C during a measurement leaves no process behind', async () => {
  const harness = spawn(
    process.execPath,
    [RUN, '--only', 'node-proxy-minimal', '--duration', '30', '--warmup', '1'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  harness.stderr.setEncoding('utf8');
  harness.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => harness.on('close', (code) => resolve(code)));
  for (let i = 0; i < 300 && !stderr.includes('measuring'); i++) await delay(50);
  assert.match(stderr, /measuring/);
  const children = descendants(harness.pid!);
  assert.ok(children.length >= 3, `upstream, proxy and wrk expected, got ${children.length}`);
  harness.kill('SIGINT');
  assert.equal(await exited, 130);
  for (let i = 0; i < 50 && children.some(alive); i++) await delay(20);
  assert.deepEqual(children.filter(alive), [], 'orphans left behind');
});
