import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryReplayStore } from './memory-replay-store.ts';
import { ReplayStoreUnavailableError } from './replay-store.ts';

describe('MemoryReplayStore', () => {
  it('accepts a key once until it expires', () => {
    const store = new MemoryReplayStore();
    assert.equal(store.checkAndRemember('a', 1_100, 1_000), true);
    assert.equal(store.checkAndRemember('a', 1_100, 1_050), false);
    assert.equal(store.checkAndRemember('b', 1_100, 1_050), true);
    // Once expired the key may be forgotten and taken again.
    assert.equal(store.checkAndRemember('a', 1_300, 1_100), true);
    assert.equal(store.checkAndRemember('a', 1_300, 1_200), false);
  });

  it('sweeps expired keys on its interval', () => {
    const store = new MemoryReplayStore({ sweepIntervalSeconds: 10 });
    store.checkAndRemember('a', 1_005, 1_000);
    store.checkAndRemember('b', 1_100, 1_000);
    assert.equal(store.size, 2);
    store.checkAndRemember('c', 1_100, 1_009); // before the next sweep: nothing dropped
    assert.equal(store.size, 3);
    store.checkAndRemember('d', 1_100, 1_010); // sweep: 'a' expired at 1005
    assert.equal(store.size, 3);
  });

  it('makes room by sweeping when full, and refuses (fails closed) when every key is live', () => {
    const store = new MemoryReplayStore({ maxEntries: 2, sweepIntervalSeconds: 1_000 });
    assert.equal(store.checkAndRemember('a', 1_010, 1_000), true);
    assert.equal(store.checkAndRemember('b', 1_100, 1_000), true);
    assert.throws(() => store.checkAndRemember('c', 1_100, 1_005), ReplayStoreUnavailableError);
    // A refused key was not recorded, and known keys still answer.
    assert.equal(store.checkAndRemember('b', 1_100, 1_005), false);
    // 'a' expired at 1010: the sweep on a full store frees its slot.
    assert.equal(store.checkAndRemember('c', 1_100, 1_010), true);
    assert.equal(store.size, 2);
  });
});
