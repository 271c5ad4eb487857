import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingStore } from './pending.ts';

describe('PendingStore', () => {
  it('gives a value once, before it expires', () => {
    const s = new PendingStore<string>();
    s.add('a', 'A', 1_100, 1_000);
    s.add('b', 'B', 1_100, 1_000);
    assert.equal(s.take('a', 1_050), 'A');
    assert.equal(s.take('a', 1_050), undefined, 'single use');
    assert.equal(s.take('b', 1_100), undefined, 'expired');
    assert.equal(s.take('zzz', 1_000), undefined);
  });

  it('refuses new entries when full of live ones; expired ones make room', () => {
    const s = new PendingStore<number>(2);
    assert.equal(s.add('a', 1, 1_010, 1_000), true);
    assert.equal(s.add('b', 2, 1_100, 1_000), true);
    assert.equal(s.add('c', 3, 1_100, 1_005), false);
    assert.equal(s.add('c', 3, 1_100, 1_010), true);
    assert.equal(s.size, 2);
  });
});
