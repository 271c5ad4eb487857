import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_JSON_DEPTH, parseStrictJson } from './strict-json.ts';

describe('parseStrictJson', () => {
  it('parses valid JSON like JSON.parse', () => {
    const text = '{"a":1,"b":[{"a":2},{"a":3}],"c":{"d":"x,\\"{y","e":null},"f":"\\\\"}';
    assert.deepEqual(parseStrictJson(text), JSON.parse(text));
    assert.equal(parseStrictJson('"x"'), 'x');
    assert.deepEqual(parseStrictJson('[1,2]'), [1, 2]);
  });

  it('refuses invalid JSON', () => {
    for (const text of ['', '{', '{"a":1,}', "{'a':1}", '{"a":1}x', 'NaN']) {
      assert.equal(parseStrictJson(text), undefined, text);
    }
  });

  it('refuses duplicate member names at any depth', () => {
    assert.equal(parseStrictJson('{"alg":"RS256","alg":"none"}'), undefined);
    assert.equal(parseStrictJson('{"a":{"x":1,"y":2,"x":3}}'), undefined);
    assert.equal(parseStrictJson('{"a":[{"x":1},{"y":1,"y":2}]}'), undefined);
    assert.equal(parseStrictJson(' { "a" : 1 , "a" : 2 } '), undefined);
  });

  it('compares names after unescaping', () => {
    assert.equal(parseStrictJson('{"alg":"RS256","\\u0061lg":"none"}'), undefined);
    assert.equal(parseStrictJson('{"a\\"b":1,"a\\u0022b":2}'), undefined);
  });

  it('does not mistake values or equal names in sibling objects for duplicates', () => {
    assert.deepEqual(parseStrictJson('{"a":"a","b":"a"}'), { a: 'a', b: 'a' });
    assert.deepEqual(parseStrictJson('{"a":{"a":{"a":1}}}'), { a: { a: { a: 1 } } });
    assert.deepEqual(parseStrictJson('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(parseStrictJson('{"a":["b","b"],"b":1}'), { a: ['b', 'b'], b: 1 });
  });

  it('keeps __proto__ as a plain member', () => {
    const value = parseStrictJson('{"__proto__":{"admin":true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, { admin: true });
  });

  it('refuses nesting deeper than the limit', () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    assert.notEqual(parseStrictJson(ok), undefined);
    assert.equal(parseStrictJson(deep), undefined);
  });
});
