import { type KeySet, makeKeySet, type VerificationKey } from './key-set.ts';

/** Loads an issuer's keys once; throws when it cannot. `signal` aborts at the time limit. */
export type KeyLoader = (signal: AbortSignal) => Promise<readonly VerificationKey[]>;

export interface KeySourceOptions {
  /** How long loaded keys are fresh, in seconds. */
  readonly cacheSeconds: number;
  /** How long past freshness the last good keys stay usable while loading fails, in seconds. */
  readonly staleSeconds: number;
  /** Least time between two load attempts, in seconds (unknown kid, retry after failure). */
  readonly cooldownSeconds: number;
  /** Time limit of one load, in ms. */
  readonly timeoutMs: number;
  /**
   * Past freshness: `background` (default) answers with the old keys while a load runs
   * (stale-while-revalidate, for remote endpoints); `wait` makes callers wait for the load and
   * uses the old keys only if it fails (for a local file: a key removed from it stops
   * verifying as soon as the file is checked again).
   */
  readonly revalidate?: 'background' | 'wait';
}

interface Snapshot {
  readonly set: KeySet;
  readonly loadedAt: number;
}

/**
 * An issuer's keys with caching, stale serving and one load at a time.
 *
 * - Fresh keys are returned synchronously.
 * - Past freshness but within the stale window, the old keys are returned at once and a load
 *   starts in the background (stale-while-revalidate): a slow or failing endpoint never slows
 *   requests down while usable keys exist. With `revalidate: 'wait'` (key files) callers wait
 *   for that load instead, and get the old keys only if it fails.
 * - With no usable keys, callers wait for a load (bounded by `timeoutMs`); after a failure,
 *   no new attempt before `cooldownSeconds`, and callers get `undefined` at once (fail closed,
 *   without hammering the endpoint).
 * - A successful load with no usable key counts as a failure: the last good keys are kept.
 * - Concurrent callers share one in-flight load.
 *
 * Time is the caller's injected `nowSeconds`. No timers are left behind.
 */
export class KeySource {
  readonly #load: KeyLoader;
  readonly #options: KeySourceOptions;
  readonly #listeners = new Set<(set: KeySet) => void>();
  #snapshot: Snapshot | undefined;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  #lastError: unknown;
  #loads = 0;

  constructor(load: KeyLoader, options: KeySourceOptions) {
    this.#load = load;
    this.#options = options;
  }

  /** Number of load attempts so far (for tests and metrics). */
  get loads(): number {
    return this.#loads;
  }

  /** The last loaded keys whatever their age (for carrying cache entries across a reload). */
  get current(): KeySet | undefined {
    return this.#snapshot?.set;
  }

  /** Why the last load failed, if it did (for the audit detail; never holds key material). */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * The keys usable at `nowSeconds`: synchronously when cached (fresh or stale), otherwise a
   * promise of the result of a load. `undefined` means no usable keys (deny `jwks-unavailable`).
   */
  keys(nowSeconds: number): KeySet | undefined | Promise<KeySet | undefined> {
    const snapshot = this.#snapshot;
    if (snapshot) {
      const age = nowSeconds - snapshot.loadedAt;
      if (age < this.#options.cacheSeconds) return snapshot.set;
      if (age < this.#options.cacheSeconds + this.#options.staleSeconds) {
        const loading = this.#startLoad(nowSeconds);
        if (loading && this.#options.revalidate === 'wait')
          return loading.then(() => this.#usable(nowSeconds));
        return snapshot.set;
      }
    }
    if (this.#inflight) return this.#inflight.then(() => this.#usable(nowSeconds));
    if (nowSeconds < this.#lastAttemptAt + this.#options.cooldownSeconds) return undefined;
    return this.#startLoad(nowSeconds)!.then(() => this.#usable(nowSeconds));
  }

  /**
   * A token names a key we do not have (rotation): load again unless a load happened within
   * the cooldown, then answer with whatever keys are usable.
   */
  async refresh(nowSeconds: number): Promise<KeySet | undefined> {
    const inflight = this.#inflight ?? this.#startLoad(nowSeconds);
    if (inflight) await inflight;
    return this.#usable(nowSeconds);
  }

  /**
   * Starts a load when the keys are past freshness. Cheap enough for every cache hit. With
   * `revalidate: 'wait'` it returns that load, for the caller to wait on before answering.
   */
  touch(nowSeconds: number): Promise<void> | undefined {
    const snapshot = this.#snapshot;
    if (!snapshot || nowSeconds - snapshot.loadedAt < this.#options.cacheSeconds) return undefined;
    const loading = this.#startLoad(nowSeconds);
    return this.#options.revalidate === 'wait' ? loading : undefined;
  }

  /** Calls `listener` whenever a load yields a different set of keys. Returns an unsubscribe function. */
  onChange(listener: (set: KeySet) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #usable(nowSeconds: number): KeySet | undefined {
    const snapshot = this.#snapshot;
    if (!snapshot) return undefined;
    const age = nowSeconds - snapshot.loadedAt;
    return age < this.#options.cacheSeconds + this.#options.staleSeconds ? snapshot.set : undefined;
  }

  /** Starts a load unless one is running or the cooldown forbids it; returns the running load. */
  #startLoad(nowSeconds: number): Promise<void> | undefined {
    if (this.#inflight) return this.#inflight;
    if (nowSeconds < this.#lastAttemptAt + this.#options.cooldownSeconds) return undefined;
    this.#lastAttemptAt = nowSeconds;
    this.#loads++;
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    // Promise.resolve().then: the loader runs asynchronously even if it throws at once, so
    // `finally` always clears the in-flight load after it was recorded.
    this.#inflight = Promise.resolve()
      .then(() => this.#load(signal))
      .then(
        (keys) => this.#accept(keys, nowSeconds),
        (err: unknown) => {
          this.#lastError = err;
        },
      )
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  #accept(keys: readonly VerificationKey[], nowSeconds: number): void {
    if (keys.length === 0) {
      this.#lastError = new Error('no usable signature key in the key set');
      return;
    }
    const set = makeKeySet(keys);
    const previous = this.#snapshot?.set;
    this.#snapshot = { set, loadedAt: nowSeconds };
    this.#lastError = undefined;
    if (previous && sameIds(previous.ids, set.ids)) return;
    for (const listener of this.#listeners) {
      try {
        listener(set);
      } catch {
        // A listener only prunes caches; its failure must not make the new keys unusable.
      }
    }
  }
}

function sameIds(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const id of a) if (!b.has(id)) return false;
  return true;
}
