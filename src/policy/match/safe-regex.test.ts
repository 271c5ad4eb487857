import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSafeRegex, regexSafetyProblem } from './safe-regex.ts';

describe('safe regex', () => {
  it('accepts ordinary patterns and anchors them', () => {
    for (const p of [
      'eng-[a-z]+',
      '(admin|ops)-\\d{1,4}',
      '[^/]+\\.example\\.com',
      'a(b)?c*',
      '(ab)+',
      '(a|b)?',
      'x{2,}',
    ]) {
      assert.equal(regexSafetyProblem(p), undefined, p);
    }
    const r = compileSafeRegex('eng');
    assert.ok(r.ok);
    assert.equal(r.regex.test('eng'), true);
    assert.equal(r.regex.test('xengx'), false);
    const alt = compileSafeRegex('a|b');
    assert.ok(alt.ok);
    assert.equal(alt.regex.test('ab'), false, 'alternation is anchored as a whole');
  });

  it('refuses backreferences, lookarounds and catastrophic shapes', () => {
    const refused = {
      '(a)\\1': /backreference/,
      '(?<n>a)\\k<n>': /backreference/,
      'a(?=b)': /lookaround/,
      'a(?!b)': /lookaround/,
      '(?<=a)b': /lookaround/,
      '(?<!a)b': /lookaround/,
      '(a+)+': /nested repetition/,
      '(a*)*b': /nested repetition/,
      '((ab)+c)*': /nested repetition/,
      '(a{1,})+': /nested repetition/,
      '(a|aa)*': /repeated alternation/,
      '(x|y)+': /repeated alternation/,
      '(a': /unbalanced/,
      'a)': /unbalanced/,
    };
    for (const [p, why] of Object.entries(refused)) assert.match(regexSafetyProblem(p) ?? '', why, p);
  });

  it('does not mistake escaped or class characters for structure', () => {
    assert.equal(regexSafetyProblem('\\(a+\\)+'), undefined);
    assert.equal(regexSafetyProblem('[(]a+[)]+'), undefined);
    assert.equal(regexSafetyProblem('[\\]a]+'), undefined);
  });

  it('a pattern whose backtracking is polynomial in the input still answers a long value (linear fallback)', () => {
    const compiled = compileSafeRegex('.*\\..*\\..*\\.example\\.com');
    assert.ok(compiled.ok);
    assert.equal(compiled.regex.test('a.b.c.example.com'), true);
    // backtracking alone: ~2 s at 2,500 characters and hours at 20,000; the linear engine: milliseconds
    const started = Date.now();
    assert.equal(compiled.regex.test('.'.repeat(20_000)), false);
    assert.ok(Date.now() - started < 5_000, 'answered without catastrophic backtracking');
  });

  it('unicode mode only when a pattern needs it, and then at most one unbounded quantifier', () => {
    const plain = compileSafeRegex('[a-z]+\\.example\\.com');
    assert.ok(plain.ok && !plain.regex.unicode);
    const prop = compileSafeRegex('\\p{L}+');
    assert.ok(prop.ok && prop.regex.unicode);
    assert.equal(prop.regex.test('Zoë'), true);
    assert.equal(prop.regex.test('Zoë1'), false);
    const two = compileSafeRegex('\\p{L}+-\\p{L}*');
    assert.equal(two.ok, false);
    assert.match(two.ok ? '' : two.message, /at most one unbounded quantifier/);
  });

  it('refuses patterns over 512 characters and invalid syntax', () => {
    assert.match(regexSafetyProblem('a'.repeat(513)) ?? '', /longer than 512/);
    const bad = compileSafeRegex('[a-');
    assert.equal(bad.ok, false);
  });
});
