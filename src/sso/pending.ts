/**
 * Short-lived, single-use server-side entries: sign-ins in progress (state, nonce, PKCE
 * verifier), hand-off codes, sign-out round trips. Bounded: when full of live entries a new
 * one is refused (the caller answers 503) rather than evicting someone's sign-in.
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

  /** Remember `value` under `key` until `expiresAt`; false when full. */
  add(key: string, value: T, expiresAt: number, nowSeconds: number): boolean {
    if (nowSeconds >= this.#nextSweep) this.sweep(nowSeconds);
    if (this.#entries.size >= this.#max) {
      this.sweep(nowSeconds);
      if (this.#entries.size >= this.#max) return false;
    }
    this.#entries.set(key, { value, expiresAt });
    return true;
  }

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
