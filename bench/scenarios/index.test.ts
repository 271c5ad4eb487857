import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCENARIOS, selectScenarios } from './index.ts';

test('names are unique and every baseline runs before its dependents', () => {
  const seen = new Set<string>();
  for (const s of SCENARIOS) {
    assert.ok(!seen.has(s.name), `duplicate ${s.name}`);
    if (s.baseline) assert.ok(seen.has(s.baseline), `${s.name} runs before its baseline ${s.baseline}`);
    seen.add(s.name);
  }
});

test('--only adds the baselines, in registry order', () => {
  assert.deepEqual(
    selectScenarios(['route-lookup-10k', 'gatehouse-public']).map((s) => s.name),
    ['node-proxy-minimal', 'gatehouse-public', 'route-lookup-10', 'route-lookup-10k'],
  );
  assert.equal(selectScenarios(null).length, SCENARIOS.length);
});

test('an unknown scenario name is an error', () => {
  assert.throws(() => selectScenarios(['gatehouse-publik']), /unknown scenario.*gatehouse-publik/);
});
