interface Slot<V> {
  readonly value: V;
  /** Set on every hit; eviction gives such an entry a second chance instead of dropping it. */
  used: boolean;
}

/**
 * A bounded cache with second-chance (CLOCK) eviction, an approximation of least recently used.
 *
 * Why not the usual `Map` LRU (delete + re-insert on every hit): V8's ordered hash table
 * rehashes often when one key is deleted and re-added over and over in a large map, and a
 * single client repeating one token made a hit cost ~15 µs instead of ~1 µs. Here a hit only
 * sets a flag; the map changes on insert alone. On overflow, the oldest entries that were used
 * since they were last looked at move to the back with their flag cleared; the first unused
 * one is evicted. Each entry moves at most once per pass, so eviction is amortised O(1).
 */
export class LruCache<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #maxEntries: number;

  /** @param maxEntries Most entries kept; 0 keeps none. */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#slots.size;
  }

  get(key: string): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.value;
  }

  set(key: string, value: V): void {
    if (this.#maxEntries === 0) return;
    this.#slots.delete(key);
    if (this.#slots.size >= this.#maxEntries) this.#evictOne();
    this.#slots.set(key, { value, used: false });
  }

  delete(key: string): void {
    this.#slots.delete(key);
  }

  /** Deletes every entry for which `drop` is true. */
  deleteWhere(drop: (value: V) => boolean): void {
    for (const [key, slot] of this.#slots) if (drop(slot.value)) this.#slots.delete(key);
  }

  /** Entries from oldest to newest insertion (second chances move an entry to the back). */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, slot] of this.#slots) yield [key, slot.value];
  }

  #evictOne(): void {
    for (let moved = 0; moved <= this.#slots.size; moved++) {
      const oldest = this.#slots.entries().next();
      if (oldest.done) return;
      const [key, slot] = oldest.value;
      this.#slots.delete(key);
      if (!slot.used) return;
      slot.used = false;
      this.#slots.set(key, slot);
    }
  }
}
