import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'bench-workers-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs micro/<script> for a fraction of a second and returns its JSON answer. */
function run(script: string, input: Record<string, unknown>): Record<string, unknown> {
  const out = execFileSync(
    process.execPath,
    [
      join(import.meta.dirname, script),
      JSON.stringify({ repoRoot: REPO, tmpDir: tmp, durationS: 0.2, warmupS: 0.05, ...input }),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

function assertMeasured(a: Record<string, unknown>): void {
  assert.equal(a.skipped, undefined, String(a.skipped));
  assert.ok(Number(a.rps) > 0, `rps ${a.rps}`);
  assert.ok(Number(a.p50Ms) > 0 && Number(a.p99Ms) >= Number(a.p50Ms), `p50 ${a.p50Ms} p99 ${a.p99Ms}`);
}

test('jwt-verify: cold calls all verify a signature, warm calls all hit the cache', () => {
  const cold = run('jwt-verify.ts', { alg: 'ES256', mode: 'cold' });
  assertMeasured(cold);
  assert.equal(cold.errors, 0);
  assert.match(String(cold.note), / 0 cache hits/);
  const warm = run('jwt-verify.ts', { alg: 'EdDSA', mode: 'warm' });
  assertMeasured(warm);
  assert.equal(warm.errors, 0);
  assert.match(String(warm.note), /; 256 signature checks/);
});

test('decide: every decision allows the bench user, synchronously', () => {
  const a = run('decide.ts', { routes: 10, mode: 'mix' });
  assertMeasured(a);
  assert.equal(a.errors, 0);
  assert.match(String(a.note), /10 route\(s\) hit/);
});

test('cel-eval and assertion-sign measure without errors; signatures are never reused', () => {
  assertMeasured(run('cel-eval.ts', { mode: 'bare' }));
  const sign = run('assertion-sign.ts', { alg: 'ES256' });
  assertMeasured(sign);
  assert.equal(sign.errors, 0);
});

test('compile: buildEngine on a small table reports run times in ms', () => {
  const a = run('compile.ts', { routes: 50, mode: 'build' });
  assertMeasured(a);
  assert.ok(Number(a.runs) >= 1);
});
