import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from './token-cache.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry when full', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1); // a is now the most recent
    cache.set('c', 3);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
    assert.equal(cache.size, 2);
  });

  it('keeps nothing with size 0', () => {
    const cache = new LruCache<number>(0);
    cache.set('a', 1);
    assert.equal(cache.get('a'), undefined);
  });

  it('deletes by predicate', () => {
    const cache = new LruCache<number>(10);
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      cache.set(k, v);
    cache.deleteWhere((v) => v % 2 === 1);
    assert.deepEqual([...cache.entries()], [['b', 2]]);
  });
});
