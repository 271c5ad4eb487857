/**
 * Property-style test of normaliseTarget over seeded random targets built from the tokens
 * that path-confusion attacks are made of. The seed is fixed so a failure reproduces.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { prng } from '../../test/helpers/prng.ts';
import { canonicalisePathEncoding } from './path-encoding.ts';
import { type NormaliseOptions, normaliseTarget } from './target.ts';

// biome-ignore format: a token table reads better dense.
const COMMON = [
  '/', '/', '/', '/', '.', '.', '..', 'a', 'B', 'z9', '-', '_', '~', ':', '@', '!', '=', '{', '"', '[', '|',
  '%2e', '%2E', '%2e%2e', '%25', '%41', '%7e', '%20', '%c3%a9', '%3F', '?', '?x=%41&y=/../',
];
// biome-ignore format: a token table reads better dense.
const HOSTILE = [
  '%2f', '%5c', '%00', '%3b', ';', '..;', '%', '%4', '%zz', '%C0%AE', '%ff', '%e2%82', '#', '\\', ' ',
  '\u00e9', '\x00', '\x7f', '*', 'http://example.com', 'http://other.test', '?x=%zz',
];

function randomTarget(random: () => number): string {
  let s = random() < 0.85 ? '/' : '';
  const n = Math.floor(random() * 16);
  for (let i = 0; i < n; i++) {
    const pool = random() < 0.1 ? HOSTILE : COMMON;
    s += pool[Math.floor(random() * pool.length)];
  }
  return s;
}

const OPTIONS: NormaliseOptions[] = [
  { mergeSlashes: false },
  { mergeSlashes: true },
  { mergeSlashes: false, allowSemicolons: true },
  { mergeSlashes: true, allowSemicolons: true },
];

it('every accepted target yields a canonical path that is a fixed point', () => {
  const random = prng(0x6a7e);
  let accepted = 0;
  let refused = 0;
  let compared = 0;
  for (let n = 0; n < 20_000; n++) {
    const raw = randomTarget(random);
    const options = OPTIONS[n % OPTIONS.length]!;
    const result = normaliseTarget(raw, 'example.com', options);
    if (!result.ok) {
      refused++;
      continue;
    }
    accepted++;
    const { path, query } = result;
    const why = `raw ${JSON.stringify(raw)} options ${JSON.stringify(options)} -> ${JSON.stringify(path)}`;

    assert.equal(path[0], '/', why);
    const segments = path.split('/');
    assert.ok(!segments.includes('.') && !segments.includes('..'), `dot segment left: ${why}`);
    // Every escape is upper-case hex and none encodes an unreserved character.
    for (const m of path.matchAll(/%(..)/g)) {
      assert.match(m[1]!, /^[0-9A-F]{2}$/, why);
      assert.doesNotMatch(String.fromCharCode(Number.parseInt(m[1]!, 16)), /[A-Za-z0-9\-._~]/, why);
    }
    if (options.mergeSlashes) assert.ok(!path.includes('//'), `repeated slash: ${why}`);
    if (!options.allowSemicolons) assert.ok(!path.includes(';'), `semicolon: ${why}`);

    const again = normaliseTarget(query === '' ? path : `${path}?${query}`, 'example.com', options);
    assert.deepEqual(again, { ok: true, path, query }, `not a fixed point: ${why}`);

    // An independent parser (WHATWG URL, used by undici and most HTTP clients) reads the
    // canonical path as the same path: nothing left for it to resolve or re-encode.
    assert.equal(new URL(`http://example.com${path}`).pathname, path, `WHATWG disagrees: ${why}`);

    // Differential: WHATWG's own dot-segment resolution of the raw target, given our
    // encoding canonicalisation afterwards, lands on the same path.
    if (raw[0] === '/' && !options.mergeSlashes) {
      const whatwg = canonicalisePathEncoding(new URL(`http://example.com${raw}`).pathname, true);
      assert.deepEqual(whatwg, { ok: true, path }, `WHATWG resolves differently: ${why}`);
      compared++;
    }
  }
  // Guard against a generator that only ever produces one outcome.
  assert.ok(accepted > 2_000, `only ${accepted} accepted`);
  assert.ok(refused > 2_000, `only ${refused} refused`);
  assert.ok(compared > 2_000, `only ${compared} compared with WHATWG`);
});
