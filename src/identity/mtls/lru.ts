/**
 * A bounded least-recently-used map: `get` refreshes an entry, `set` evicts the oldest
 * entry past `maxEntries`. Map keeps insertion order, so delete + set moves to the end.
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;

  /** @param maxEntries Largest number of entries kept (at least 1). */
  constructor(maxEntries: number) {
    this.#max = Math.max(1, Math.floor(maxEntries));
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }
}
