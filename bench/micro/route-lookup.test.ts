import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const WORKER = join(import.meta.dirname, 'route-lookup.ts');

function runWorker(modulePath: string, routes: number): Record<string, unknown> {
  const out = execFileSync(process.execPath, [WORKER, modulePath, String(routes), '0.3', '0.1'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

test('a missing routing module gives a skip reason, not a crash', () => {
  const answer = runWorker('/nonexistent/routing/index.ts', 10);
  assert.match(String(answer['skipped']), /does not exist/);
});

test('lookups against a reference table are counted and timed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-route-test-'));
  try {
    // A naive linear table: exact host or *.suffix or *, then prefix-on-segment or exact path.
    const stub = join(dir, 'routing.ts');
    writeFileSync(
      stub,
      `export function buildRouteTable(entries) {
  const hostOk = (p, h) => p === '*' || p === h || (p.startsWith('*.') && h.endsWith(p.slice(1)));
  const pathOk = (e, path) => e.pathMatch === 'exact' ? path === e.path
    : e.path === '/' || path === e.path || path.startsWith(e.path + '/');
  return { lookup: (host, path) => entries.find((e) => hostOk(e.host, host) && pathOk(e, path))?.value };
}
`,
    );
    const answer = runWorker(stub, 10);
    assert.equal(answer['skipped'], undefined);
    assert.ok(Number(answer['rps']) > 1000, `rps ${answer['rps']}`);
    assert.ok(Number(answer['p99Ms']) >= Number(answer['p50Ms']) && Number(answer['p50Ms']) > 0);
    const hitRate = Number(answer['hitRate']);
    assert.ok(hitRate > 0.4 && hitRate < 0.95, `hit rate ${hitRate}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a table that refuses the generated routes gives a skip reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-route-test-'));
  try {
    const stub = join(dir, 'routing.ts');
    writeFileSync(stub, `export function buildRouteTable() { throw new Error('duplicate route'); }\n`);
    assert.match(String(runWorker(stub, 10)['skipped']), /buildRouteTable threw.*duplicate route/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
