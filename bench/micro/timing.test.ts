import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, timeAsync, timeSync } from './timing.ts';

test('histogram percentiles are exact below 2 µs and within 0.1% above', () => {
  const small = new Histogram();
  for (let v = 1; v <= 1000; v++) small.record(v);
  assert.equal(small.percentile(50), 500);
  assert.equal(small.percentile(99), 990);
  const large = new Histogram();
  for (let v = 1; v <= 100_000; v++) large.record(v * 1000);
  for (const [p, expected] of [
    [50, 50_000_000],
    [99, 99_000_000],
  ] as const) {
    const got = large.percentile(p);
    assert.ok(Math.abs(got - expected) / expected < 0.001, `p${p} ${got} vs ${expected}`);
  }
  assert.equal(new Histogram().percentile(99), 0);
});

test('timeSync times every call and counts them', () => {
  let calls = 0;
  const t = timeSync(
    () => {
      calls++;
      const end = process.hrtime.bigint() + 20_000n; // ~20 µs of work
      while (process.hrtime.bigint() < end);
    },
    { warmupMs: 20, durationMs: 100 },
  );
  assert.ok(t.ops > 0 && t.ops < calls, `${t.ops} timed of ${calls}`);
  assert.ok(t.p50Ms >= 0.02 && t.p50Ms < 1, `p50 ${t.p50Ms} ms`);
  assert.ok(t.p99Ms >= t.p50Ms);
  assert.ok(t.rps > 100 && t.rps < 60_000, `rps ${t.rps}`);
});

test('timeAsync awaits each call', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const t = await timeAsync(
    async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    },
    { warmupMs: 10, durationMs: 50 },
  );
  assert.equal(maxInFlight, 1);
  assert.ok(t.ops > 10);
});
