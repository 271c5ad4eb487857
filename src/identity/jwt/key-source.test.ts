import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeKey } from './fixtures.ts';
import { keysFromJwks, type VerificationKey } from './key-set.ts';
import { type KeyLoader, KeySource } from './key-source.ts';
import { ASYMMETRIC_ALGORITHMS } from './settings.ts';

const T = 1_000_000;
const timing = { cacheSeconds: 300, staleSeconds: 3600, cooldownSeconds: 30, timeoutMs: 1000 };

async function someKeys(kid: string): Promise<VerificationKey[]> {
  return keysFromJwks({ keys: [(await makeKey('ES256', kid)).publicJwk] }, ASYMMETRIC_ALGORITHMS);
}

/** A loader whose answers the test scripts: keys, an error, or a promise it resolves later. */
function scripted(): {
  loader: KeyLoader;
  calls: number;
  next: (answer: () => Promise<readonly VerificationKey[]>) => void;
} {
  const state = {
    calls: 0,
    answer: (): Promise<readonly VerificationKey[]> => Promise.reject(new Error('no answer scripted')),
  };
  return {
    loader: () => {
      state.calls++;
      return state.answer();
    },
    get calls() {
      return state.calls;
    },
    next: (answer) => {
      state.answer = answer;
    },
  };
}

describe('KeySource', () => {
  it('loads once, then answers synchronously while fresh', async () => {
    const s = scripted();
    const keys = await someKeys('a');
    s.next(async () => keys);
    const source = new KeySource(s.loader, timing);
    const first = source.keys(T);
    assert.ok(first instanceof Promise);
    assert.equal((await first)?.keys[0]?.kid, 'a');
    const second = source.keys(T + 299);
    assert.ok(!(second instanceof Promise));
    assert.equal(second?.keys[0]?.kid, 'a');
    assert.equal(s.calls, 1);
  });

  it('serves stale keys at once while reloading in the background, then the new keys', async () => {
    const s = scripted();
    s.next(async () => someKeys('a'));
    const source = new KeySource(s.loader, timing);
    await source.keys(T);
    const b = await someKeys('b');
    let release!: () => void;
    s.next(() => new Promise((resolve) => (release = () => resolve(b))));
    const stale = source.keys(T + 300);
    assert.ok(!(stale instanceof Promise), 'no waiting while stale keys are usable');
    assert.equal(stale?.keys[0]?.kid, 'a');
    await new Promise(setImmediate);
    assert.equal(s.calls, 2, 'a background load started');
    release();
    const refreshed = await source.refresh(T + 301); // joins the running load
    assert.equal(refreshed?.keys[0]?.kid, 'b');
    assert.equal(s.calls, 2);
  });

  it("revalidate 'wait' (key files): past freshness callers wait for the load; old keys only if it fails", async () => {
    const s = scripted();
    s.next(async () => someKeys('a'));
    const source = new KeySource(s.loader, { ...timing, revalidate: 'wait' });
    await source.keys(T);
    assert.equal(source.touch(T + 299), undefined, 'fresh: nothing to wait for');
    const b = await someKeys('b');
    s.next(async () => b);
    const waiting = source.keys(T + 300);
    assert.ok(waiting instanceof Promise, 'past freshness the caller waits');
    assert.equal((await waiting)?.keys[0]?.kid, 'b', 'the removed key a is gone at once');
    // a cache hit past freshness gets the load to wait on
    s.next(async () => {
      throw new Error('unreadable');
    });
    const touched = source.touch(T + 600);
    assert.ok(touched instanceof Promise);
    await touched;
    assert.equal((await source.keys(T + 600))?.keys[0]?.kid, 'b', 'a failed load keeps the last good keys');
  });

  it('keeps the last good keys through an outage for the stale window only', async () => {
    const s = scripted();
    s.next(async () => someKeys('a'));
    const source = new KeySource(s.loader, timing);
    await source.keys(T);
    s.next(async () => {
      throw new Error('HTTP 503');
    });
    assert.equal((await source.keys(T + 1000))?.keys[0]?.kid, 'a');
    assert.equal((await source.keys(T + 300 + 3599))?.keys[0]?.kid, 'a');
    assert.equal(await source.keys(T + 300 + 3600), undefined);
    assert.match(String(source.lastError), /HTTP 503/);
  });

  it('does not retry a failed load before the cooldown, and fails fast meanwhile', async () => {
    const s = scripted();
    s.next(async () => {
      throw new Error('down');
    });
    const source = new KeySource(s.loader, timing);
    assert.equal(await source.keys(T), undefined);
    assert.equal(source.keys(T + 29), undefined, 'answered synchronously, no load');
    assert.equal(s.calls, 1);
    s.next(async () => someKeys('a'));
    assert.equal((await source.keys(T + 30))?.keys[0]?.kid, 'a');
    assert.equal(s.calls, 2);
  });

  it('refreshes on demand at most once per cooldown', async () => {
    const s = scripted();
    s.next(async () => someKeys('a'));
    const source = new KeySource(s.loader, timing);
    await source.keys(T);
    await source.refresh(T + 10);
    assert.equal(s.calls, 1, 'the first load is within the cooldown');
    await source.refresh(T + 30);
    await source.refresh(T + 31);
    assert.equal(s.calls, 2);
  });

  it('shares one load between concurrent callers', async () => {
    const s = scripted();
    const keys = await someKeys('a');
    s.next(async () => keys);
    const source = new KeySource(s.loader, timing);
    const results = await Promise.all(Array.from({ length: 20 }, () => source.keys(T)));
    assert.equal(s.calls, 1);
    assert.ok(results.every((r) => r?.keys[0]?.kid === 'a'));
  });

  it('treats a key set without usable keys as a failure and keeps the old keys', async () => {
    const s = scripted();
    s.next(async () => someKeys('a'));
    const source = new KeySource(s.loader, timing);
    await source.keys(T);
    s.next(async () => []);
    assert.equal((await source.refresh(T + 30))?.keys[0]?.kid, 'a');
    assert.match(String(source.lastError), /no usable signature key/);
  });

  it('survives a loader that throws synchronously', async () => {
    const source = new KeySource(() => {
      throw new Error('sync');
    }, timing);
    assert.equal(await source.keys(T), undefined);
    assert.equal(await source.refresh(T + 30), undefined);
    assert.match(String(source.lastError), /sync/);
  });

  it('tells listeners when the set of keys changes, not when it stays the same', async () => {
    const s = scripted();
    const a = await someKeys('a');
    s.next(async () => a);
    const source = new KeySource(s.loader, timing);
    const seen: string[][] = [];
    const stop = source.onChange((set) => seen.push(set.keys.map((k) => k.kid ?? '')));
    await source.keys(T);
    await source.refresh(T + 30);
    const b = await someKeys('b');
    s.next(async () => b);
    await source.refresh(T + 60);
    stop();
    s.next(async () => a);
    await source.refresh(T + 90);
    assert.deepEqual(seen, [['a'], ['b']]);
  });

  it('aborts a load at the time limit', async () => {
    let aborted = false;
    const source = new KeySource(
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
      { ...timing, timeoutMs: 20 },
    );
    assert.equal(await source.keys(T), undefined);
    assert.ok(aborted);
  });
});
