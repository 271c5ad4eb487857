import { type ReplayStore, ReplayStoreUnavailableError } from './replay-store.ts';

export interface MemoryReplayStoreOptions {
  /** Most keys held at once (default 100_000). When full of unexpired keys, new keys are refused. */
  readonly maxEntries?: number;
  /** Least time between two full sweeps of expired keys, in seconds (default 60). */
  readonly sweepIntervalSeconds?: number;
}

/**
 * A bounded in-memory {@link ReplayStore} for a single replica.
 *
 * When it is full of keys that have not expired it refuses new ones (throws
 * {@link ReplayStoreUnavailableError}) instead of evicting: evicting a live key would let that
 * token be replayed, which is failing open.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #expiries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #sweepIntervalSeconds: number;
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryReplayStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#sweepIntervalSeconds = options.sweepIntervalSeconds ?? 60;
  }

  /** Number of keys held, expired or not (for tests and metrics). */
  get size(): number {
    return this.#expiries.size;
  }

  checkAndRemember(key: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    if (nowSeconds >= this.#nextSweepAt) this.sweep(nowSeconds);
    const seenUntil = this.#expiries.get(key);
    if (seenUntil !== undefined && seenUntil > nowSeconds) return false;
    if (seenUntil === undefined && this.#expiries.size >= this.#maxEntries) {
      this.sweep(nowSeconds);
      if (this.#expiries.size >= this.#maxEntries) {
        throw new ReplayStoreUnavailableError(`replay store is full (${this.#maxEntries} unexpired keys)`);
      }
    }
    this.#expiries.set(key, expiresAtSeconds);
    return true;
  }

  /** Drops every key whose expiry has passed. Runs on its own every `sweepIntervalSeconds`. */
  sweep(nowSeconds: number): void {
    this.#nextSweepAt = nowSeconds + this.#sweepIntervalSeconds;
    for (const [key, expiresAt] of this.#expiries) {
      if (expiresAt <= nowSeconds) this.#expiries.delete(key);
    }
  }
}
