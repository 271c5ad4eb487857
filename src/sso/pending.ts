/**
 * Short-lived, single-use server-side entries: sign-ins in progress (state, nonce, PKCE
 * verifier), hand-off codes, sign-out round trips. Bounded: when full of live entries, the
 * oldest one gives way. Anyone can start a sign-in, so refusing new entries instead would let
 * one client fill the store once and block every sign-in for the entries' lifetime; with
 * eviction it has to keep adding more entries than the store holds within the time a person
 * takes to sign in.
 *
 * In memory, per process: with several replicas, the provider's callback must reach the
 * replica that started the sign-in (sticky sessions) until a shared store is configured.
 */
export class PendingStore<T> {
  readonly #entries = new Map<string, { value: T; expiresAt: number }>();
  readonly #max: number;
  #nextSweep = Number.NEGATIVE_INFINITY;

  constructor(maxEntries = 100_000) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Remember `value` under `key` until `expiresAt` (the oldest entry gives way when full); false only when the store holds none. */
  add(key: string, value: T, expiresAt: number, nowSeconds: number): boolean {
    if (this.#max <= 0) return false;
    if (nowSeconds >= this.#nextSweep) this.sweep(nowSeconds);
    if (this.#entries.size >= this.#max) {
      this.sweep(nowSeconds);
      // still full of live entries: drop the oldest (insertion order)
      while (this.#entries.size >= this.#max) {
        const oldest = this.#entries.keys().next();
        if (oldest.done) break;
        this.#entries.delete(oldest.value);
        this.evicted++;
      }
    }
    this.#entries.set(key, { value, expiresAt });
    return true;
  }

  /** Live entries that gave way to newer ones so far. */
  evicted = 0;

  /** The value under `key`, removed (single use); undefined when unknown, used or expired. */
  take(key: string, nowSeconds: number): T | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    return e.expiresAt > nowSeconds ? e.value : undefined;
  }

  sweep(nowSeconds: number): void {
    this.#nextSweep = nowSeconds + 30;
    for (const [k, e] of this.#entries) if (e.expiresAt <= nowSeconds) this.#entries.delete(k);
  }
}
