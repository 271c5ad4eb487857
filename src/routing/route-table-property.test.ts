/**
 * Property-style test of the route table against a reference written straight from its
 * documented rules (a scan over every route with `pathHasPrefix`), over seeded random tables
 * and requests. The tables mix the table's internal shapes: hosts with few and with many
 * (more than 16) routes, prefixes of 31 characters or more, hosts sharing one path layout.
 * The seed is fixed so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { prng } from '../../test/helpers/prng.ts';
import { parseHostValue } from './host.ts';
import { normalisePrefix, pathHasPrefix } from './path-prefix.ts';
import { buildRouteTable, type RouteEntry } from './route-table.ts';

const ROUTE_HOSTS = [
  '*',
  'a.com',
  'b.a.com',
  '*.a.com',
  '*.b.a.com',
  'A.com.',
  'x',
  '*.x',
  '[::1]',
  'api.a.com',
];
// biome-ignore format: a token table reads better dense.
const REQUEST_HOSTS = [
  'a.com', 'A.COM', 'a.com.', 'b.a.com', 'B.a.Com.', 'c.b.a.com', 'd.c.b.a.com', 'z.a.com', 'api.a.com', 'x',
  'y.x', 'X.', '[::1]', 'com', '.a.com', 'a..a.com', 'a.com..', '\u212Aa.com', '\u00e9.a.com', 'a.com:80', '', '.',
];
const LONG = 'abcdefghijklmnopqrstuvwxyz0123456789';
// biome-ignore format: a token table reads better dense.
const SEGMENTS = ['', 'a', 'b', 'api', 'v1', 'ab', 'a.b', 'x', 'users', LONG, LONG.slice(0, 29), LONG.slice(0, 30), 'ABC'];

function randomPath(random: () => number, pick: <T>(list: readonly T[]) => T): string {
  let path = random() < 0.95 ? '/' : '';
  const n = Math.floor(random() * 5);
  for (let i = 0; i < n; i++) path += (i === 0 ? '' : '/') + pick(SEGMENTS);
  return random() < 0.2 ? `${path}/` : path;
}

function canonicalPattern(pattern: string): string {
  if (pattern === '*') return '*';
  const wildcard = pattern.startsWith('*.');
  const parsed = parseHostValue(wildcard ? pattern.slice(2) : pattern);
  assert.ok(parsed.ok);
  return wildcard ? `*.${parsed.host}` : parsed.host;
}

/** The documented rules, applied by scanning every route. */
function reference<T>(entries: readonly RouteEntry<T>[], host: string, path: string): T | undefined {
  if (/[^\x00-\x7f]/.test(host)) return undefined;
  let name = host.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  const patterns = entries.map((e) => canonicalPattern(e.host));
  let chosen = entries.filter((_, i) => patterns[i] === name);
  if (chosen.length === 0) {
    let longest = -1;
    for (const p of patterns) {
      if (!p.startsWith('*.')) continue;
      const suffix = p.slice(2);
      if (name.endsWith(`.${suffix}`) && name.length > suffix.length + 1)
        longest = Math.max(longest, suffix.length);
    }
    chosen =
      longest >= 0
        ? entries.filter(
            (_, i) =>
              patterns[i]!.startsWith('*.') &&
              patterns[i]!.length - 2 === longest &&
              name.endsWith(`.${patterns[i]!.slice(2)}`),
          )
        : entries.filter((_, i) => patterns[i] === '*');
  }
  const exact = chosen.find((e) => e.pathMatch === 'exact' && e.path === path);
  if (exact !== undefined) return exact.value;
  let best: RouteEntry<T> | undefined;
  for (const e of chosen) {
    if (e.pathMatch !== 'prefix' || !pathHasPrefix(path, e.path)) continue;
    if (best === undefined || normalisePrefix(e.path).length > normalisePrefix(best.path).length) best = e;
  }
  return best?.value;
}

it('agrees with a scan over all routes on random tables and requests', () => {
  const random = prng(20240611);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  let lookups = 0;
  for (let round = 0; round < 400; round++) {
    const entries: RouteEntry<number>[] = [];
    const seen = new Set<string>();
    const count = Math.floor(random() * (random() < 0.3 ? 90 : 20));
    // some hosts share one path layout, so they share one compiled path set
    const layout = Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
      path: randomPath(random, pick),
      pathMatch: random() < 0.5 ? ('prefix' as const) : ('exact' as const),
    }));
    for (const host of ['app1.a.com', 'app2.a.com', '*.b.x']) {
      if (random() < 0.5) continue;
      for (const l of layout) {
        const key = `${canonicalPattern(host)} ${l.pathMatch} ${l.pathMatch === 'prefix' ? normalisePrefix(l.path) : l.path}`;
        if (l.path.startsWith('/') && !seen.has(key)) {
          seen.add(key);
          entries.push({ host, ...l, value: entries.length });
        }
      }
    }
    for (let i = 0; i < count; i++) {
      const host = pick(ROUTE_HOSTS);
      const path = randomPath(random, pick);
      const pathMatch = random() < 0.5 ? ('prefix' as const) : ('exact' as const);
      const key = `${canonicalPattern(host)} ${pathMatch} ${pathMatch === 'prefix' ? normalisePrefix(path) : path}`;
      if (!path.startsWith('/') || seen.has(key)) continue;
      seen.add(key);
      entries.push({ host, path, pathMatch, value: entries.length });
    }
    const table = buildRouteTable(entries);
    for (let q = 0; q < 150; q++) {
      const host =
        random() < 0.8 ? pick(REQUEST_HOSTS) : pick(['app1.a.com', 'app2.a.com', 'q.b.x', 'APP2.a.com.']);
      const path =
        random() < 0.1 ? pick(['', 'a', 'a/b', '//', '///a', `//${LONG}`]) : randomPath(random, pick);
      const expected = reference(entries, host, path);
      assert.equal(table.lookup(host, path), expected, JSON.stringify({ round, host, path, entries }));
      lookups++;
    }
  }
  assert.equal(lookups, 400 * 150);
});
