import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRows, formatLatency, formatTable, type Outcome } from './report.ts';
import type { Scenario } from './types.ts';

const scenario = (name: string, baseline: string | null, target?: Scenario['target']): Scenario => ({
  name,
  baseline,
  description: name,
  target,
  run: () => Promise.reject(new Error('not run in this test')),
});

const measured = (rps: number, p99Ms: number): Outcome => ({
  measurement: { rps, p50Ms: 1, p99Ms, errors: 0 },
});

test('ratio is rps over the baseline rps; baselines have none', () => {
  const rows = buildRows(
    [scenario('base', null), scenario('gh', 'base', { minRatio: 1, maxP99Ratio: 1.2 })],
    new Map([
      ['base', measured(10_000, 5)],
      ['gh', measured(11_000, 5.5)],
    ]),
  );
  assert.equal(rows[0]!.ratio, null);
  assert.equal(rows[0]!.baseline, null);
  assert.equal(rows[1]!.baseline, 'base');
  assert.equal(rows[1]!.ratio, 1.1);
  assert.equal(rows[1]!.p99Ratio, 1.1);
  assert.equal(rows[1]!.targetMet, true);
});

test('a target is missed when either rps or p99 is out of bounds', () => {
  const scenarios = [scenario('base', null), scenario('gh', 'base', { minRatio: 1, maxP99Ratio: 1.2 })];
  const slowTail = buildRows(
    scenarios,
    new Map([
      ['base', measured(10_000, 5)],
      ['gh', measured(12_000, 7)],
    ]),
  );
  assert.equal(slowTail[1]!.targetMet, false);
  const fewer = buildRows(
    scenarios,
    new Map([
      ['base', measured(10_000, 5)],
      ['gh', measured(9_000, 4)],
    ]),
  );
  assert.equal(fewer[1]!.targetMet, false);
});

test('absolute latency targets are judged without a baseline', () => {
  const rows = buildRows(
    [
      scenario('fast', null, { maxP50Ms: 0.001, maxP99Ms: 0.005 }),
      scenario('slow-tail', null, { maxP50Ms: 0.001, maxP99Ms: 0.005 }),
      scenario('skipped', null, { maxP50Ms: 0.001 }),
    ],
    new Map<string, Outcome>([
      ['fast', { measurement: { rps: 2e6, p50Ms: 0.0005, p99Ms: 0.002, errors: null } }],
      ['slow-tail', { measurement: { rps: 2e6, p50Ms: 0.0005, p99Ms: 0.009, errors: null } }],
      ['skipped', { skipped: 'no module' }],
    ]),
  );
  assert.deepEqual(
    rows.map((r) => r.targetMet),
    [true, false, null],
  );
});

test('skipped scenarios keep their reason and null figures; dependents get no ratio', () => {
  const rows = buildRows(
    [scenario('base', null), scenario('gh', 'base', { minRatio: 1 })],
    new Map<string, Outcome>([
      ['base', { skipped: 'nginx not installed' }],
      ['gh', measured(9_000, 4)],
    ]),
  );
  assert.deepEqual(
    { rps: rows[0]!.rps, p50Ms: rows[0]!.p50Ms, skipped: rows[0]!.skipped },
    { rps: null, p50Ms: null, skipped: 'nginx not installed' },
  );
  assert.equal(rows[1]!.ratio, null);
  assert.equal(rows[1]!.targetMet, null);
  assert.equal(rows[1]!.rps, 9000);
});

test('the table shows skip reasons and warnings', () => {
  const scenarios = [scenario('base', null), scenario('gh', 'base')];
  const outcomes = new Map<string, Outcome>([
    ['base', { measurement: { rps: 1000, p50Ms: 1, p99Ms: 2, errors: 0 }, warning: 'upstream died' }],
    ['gh', { skipped: 'Gatehouse CLI not found' }],
  ]);
  const table = formatTable({
    scenarios: buildRows(scenarios, outcomes),
    meta: { date: 'd', commit: 'abc1234', node: 'v24', cpus: 2, loadTool: 'wrk' },
  });
  assert.match(table, /gh: Gatehouse CLI not found/);
  assert.match(table, /base: upstream died/);
  assert.match(table, /commit abc1234/);
});

test('latencies are printed with a unit that fits', () => {
  assert.equal(formatLatency(2.5), '2.50 ms');
  assert.equal(formatLatency(0.25), '250.0 µs');
  assert.equal(formatLatency(0.00015), '150.0 ns');
  assert.equal(formatLatency(null), '-');
});
