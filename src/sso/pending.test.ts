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

  it('when full of live entries the oldest gives way (a flood cannot block new sign-ins); expired ones go first', () => {
    const s = new PendingStore<number>(2);
    assert.equal(s.add('a', 1, 1_010, 1_000), true);
    assert.equal(s.add('b', 2, 1_100, 1_000), true);
    assert.equal(s.add('c', 3, 1_100, 1_005), true);
    assert.equal(s.evicted, 1);
    assert.equal(s.take('a', 1_005), undefined, 'the oldest gave way');
    assert.equal(s.take('c', 1_005), 3);
    assert.equal(s.size, 1);
    // an expired entry is swept before any live one is evicted
    const t = new PendingStore<number>(2);
    t.add('x', 1, 1_010, 1_000);
    t.add('y', 2, 1_100, 1_000);
    t.add('z', 3, 1_100, 1_020);
    assert.equal(t.evicted, 0);
    assert.equal(t.take('y', 1_020), 2);
    assert.equal(t.take('z', 1_020), 3);
  });

  it('a flood of a million entries leaves the newest ones and a bounded store', () => {
    const s = new PendingStore<number>(1_000);
    for (let i = 0; i < 1_000_000; i++) s.add(`k${i}`, i, 2_000, 1_000);
    assert.equal(s.size, 1_000);
    assert.equal(s.take('k999999', 1_000), 999_999);
    assert.equal(s.take('k0', 1_000), undefined);
  });
});
