import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from './options.ts';
import type { Outcome } from './report.ts';
import { combineRounds, runBudgetMs } from './runner.ts';
import type { Scenario } from './types.ts';

const m = (rps: number, p99Ms: number, errors: number | null = 0): Outcome => ({
  measurement: { rps, p50Ms: p99Ms / 4, p99Ms, errors },
});

test('rounds combine into the median of each figure and the sum of errors', () => {
  const combined = combineRounds([m(100, 9, 1), m(300, 3, 0), m(200, 6, 2)]);
  assert.deepEqual(combined, { measurement: { rps: 200, p50Ms: 1.5, p99Ms: 6, errors: 3 } });
  assert.deepEqual(combineRounds([m(100, 4, null), m(200, 8, null)]), {
    measurement: { rps: 150, p50Ms: 1.5, p99Ms: 6, errors: null },
  });
});

test('rounds that failed are left out of the figures and reported as a warning', () => {
  assert.deepEqual(combineRounds([{ skipped: 'no nginx' }]), { skipped: 'no nginx' });
  const mixed = combineRounds([m(100, 4), { skipped: 'failed: gatehouse died' }, m(300, 8)]);
  assert.ok('measurement' in mixed);
  assert.equal(mixed.measurement.rps, 200);
  assert.equal(mixed.warning, 'round 2 failed: failed: gatehouse died');
  const single = combineRounds([{ ...m(3, 1), warning: 'gatehouse died' } as Outcome]);
  assert.ok('warning' in single && single.warning === 'gatehouse died');
});

test('the run budget grows with rounds, duration and scenarios', () => {
  const s = { name: 'x', baseline: null, description: '', run: async () => m(1, 1) } as unknown as Scenario;
  const one = runBudgetMs([s], parseOptions(['--duration', '5', '--warmup', '2']));
  const three = runBudgetMs([s, s], parseOptions(['--duration', '5', '--warmup', '2', '--rounds', '3']));
  assert.equal(one, 7_000 + 60_000 + 30_000);
  assert.equal(three, (7_000 + 60_000) * 6 + 30_000);
});
