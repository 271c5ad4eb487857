/**
 * A bounded least-recently-used map. A `Map` keeps insertion order, so re-inserting on every
 * hit keeps the least recently used entry first, where eviction takes it from.
 */
export class LruCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #maxEntries: number;

  /** @param maxEntries Most entries kept; 0 keeps none. */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Deletes every entry for which `drop` is true. */
  deleteWhere(drop: (value: V) => boolean): void {
    for (const [key, value] of this.#entries) if (drop(value)) this.#entries.delete(key);
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[string, V]> {
    return this.#entries.entries();
  }
}
