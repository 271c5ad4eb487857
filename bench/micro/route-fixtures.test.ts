import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeQueries, makeRoutes } from './route-fixtures.ts';

test('makeRoutes gives exactly n distinct routes, the same ones every time', () => {
  for (const n of [10, 1000, 10_000]) {
    const routes = makeRoutes(n);
    assert.equal(routes.length, n);
    const keys = new Set(routes.map((r) => `${r.host} ${r.path} ${r.pathMatch}`));
    assert.equal(keys.size, n, `duplicates among ${n}`);
    assert.deepEqual(makeRoutes(n), routes);
  }
});

test('tables mix exact hosts, wildcards, a catch-all and path fan-out', () => {
  const routes = makeRoutes(1000);
  assert.ok(routes.some((r) => r.host === '*'));
  assert.ok(routes.some((r) => r.host.startsWith('*.')));
  assert.ok(routes.some((r) => r.pathMatch === 'exact'));
  assert.ok(routes.filter((r) => r.host === 'api-0.example.com').length >= 100);
  for (const r of routes) assert.match(r.path, /^\/[^?#\s%\\]*$/);
});

test('queries aim at concrete hosts (no patterns) and include unknown hosts', () => {
  const queries = makeQueries(makeRoutes(1000), 4096);
  assert.equal(queries.length, 4096);
  assert.ok(queries.every((q) => !q.host.includes('*') && q.path.startsWith('/')));
  const unknown = queries.filter((q) => q.host.endsWith('.unknown.org')).length / queries.length;
  assert.ok(unknown > 0.1 && unknown < 0.2, `unknown host share ${unknown}`);
});

test('a smaller table is contained in every larger one (the same queries can be asked of each)', () => {
  const key = (r: { host: string; path: string; pathMatch: string }) => `${r.host} ${r.path} ${r.pathMatch}`;
  const small = makeRoutes(10).map(key);
  for (const n of [1000, 10_000]) {
    const big = new Set(makeRoutes(n).map(key));
    assert.deepEqual(
      small.filter((k) => !big.has(k)),
      [],
      `routes of the 10-route table missing at ${n}`,
    );
  }
});
