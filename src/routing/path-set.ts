/**
 * The paths of one host's routes, compiled for lookup. Both kinds take the keys in one order
 * (exact paths, then prefixes longest first, then the root prefix `/` if present) and
 * `match` returns the index of the route that wins in that order, or -1: the route table
 * keeps the values of each host side by side in that order, so a `SmallPathSet` carries no
 * values and is shared by every host with the same paths (ingress configs repeat path
 * layouts: `/`, `/api`, `/metrics` on host after host).
 *
 * Why the shapes below: on Node 24, a `charCodeAt` loop costs ~2 ns a character, hashing a
 * string made by `slice` (a Map probe with a substring) costs 20-80 ns, while `===`,
 * `startsWith` and `lastIndexOf` are native and cost a few ns. A small set therefore finds
 * the candidate lengths from the path's own `/` positions and a bit mask, and compares
 * whole keys natively; only hosts with many routes pay for Map probes.
 */

/** Hosts with more path keys than this use `LargePathSet`. */
export const SMALL_PATH_SET_MAX = 16;

/** Bit LONG of a length mask stands for "some key is LONG characters or longer". */
const LONG = 31;

function lengthBit(length: number): number {
  return length < LONG ? 1 << length : 1 << LONG;
}

/**
 * At most `SMALL_PATH_SET_MAX` keys. Exact paths are tried with `===`, prefixes only at the
 * lengths where the path has a segment boundary and some prefix has that length.
 */
export class SmallPathSet {
  /** Bit L: an exact key has length L (bit 31: length 31 or more). */
  readonly #exactMask: number;
  /** Bit L: a prefix key has length L (bit 31: length 31 or more). */
  readonly #prefixMask: number;
  /** Longest prefix length below LONG: where the search for boundaries starts. */
  readonly #maxCut: number;
  /** Exact keys, then prefix keys longest first (ties in code unit order). */
  readonly #keys: readonly string[];
  readonly #exactCount: number;
  /** `charCodeAt(L)`: index in #keys of the first prefix key of length L, for L below LONG. */
  readonly #starts: string;
  readonly #hasRoot: boolean;

  /** `prefixes` longest first, without `/`; keys at most `SMALL_PATH_SET_MAX` in all. */
  constructor(exact: readonly string[], prefixes: readonly string[], hasRoot: boolean) {
    let exactMask = 0;
    for (const key of exact) exactMask |= lengthBit(key.length);
    let prefixMask = 0;
    const starts = new Array<number>(LONG).fill(0);
    for (let i = prefixes.length - 1; i >= 0; i--) {
      const length = prefixes[i]!.length;
      prefixMask |= lengthBit(length);
      if (length < LONG) starts[length] = exact.length + i;
    }
    this.#exactMask = exactMask;
    this.#prefixMask = prefixMask;
    this.#maxCut = prefixes.length === 0 ? 0 : Math.min(prefixes[0]!.length, LONG - 1);
    this.#keys = [...exact, ...prefixes];
    this.#exactCount = exact.length;
    this.#starts = String.fromCharCode(...starts);
    this.#hasRoot = hasRoot;
  }

  match(path: string): number {
    const keys = this.#keys;
    const n = path.length;
    if ((this.#exactMask & lengthBit(n)) !== 0) {
      for (let i = 0; i < this.#exactCount; i++) if (keys[i] === path) return i;
    }
    if (path.charCodeAt(0) !== 0x2f) return -1;
    const mask = this.#prefixMask;
    if (mask !== 0) {
      if (mask < 0) {
        // keys of LONG characters or more come first in #keys: check them one by one
        for (let i = this.#exactCount; i < keys.length; i++) {
          const key = keys[i]!;
          const length = key.length;
          if (length < LONG) break;
          if (length <= n && (length === n || path.charCodeAt(length) === 0x2f) && path.startsWith(key)) {
            return i;
          }
        }
      }
      // A prefix of length L matches on a segment boundary when L is the whole path or the
      // path has '/' at L (stored prefixes never end in '/'). Longest first.
      if (n < LONG && ((mask >>> n) & 1) !== 0) {
        const hit = this.#matchLength(path, n);
        if (hit >= 0) return hit;
      }
      for (let cut = path.lastIndexOf('/', this.#maxCut); cut > 1; cut = path.lastIndexOf('/', cut - 1)) {
        if (((mask >>> cut) & 1) === 0) continue;
        const hit = this.#matchLength(path, cut);
        if (hit >= 0) return hit;
      }
    }
    return this.#hasRoot ? keys.length : -1;
  }

  /** The prefix key of this length the path starts with; some key has this length. */
  #matchLength(path: string, length: number): number {
    const keys = this.#keys;
    for (let i = this.#starts.charCodeAt(length); i < keys.length; i++) {
      const key = keys[i]!;
      if (key.length !== length) break;
      if (path.startsWith(key)) return i;
    }
    return -1;
  }
}

/**
 * Any number of keys: one Map probe for the exact path, then one per boundary of the path
 * at a length some prefix has. Not shared between hosts.
 */
export class LargePathSet {
  readonly #exact: Map<string, number>;
  readonly #prefix: Map<string, number>;
  readonly #root: number;
  /** `#lengths[L]` is 1 when some prefix has length L: other cuts build no string. */
  readonly #lengths: Uint8Array;
  readonly #maxLength: number;

  /** `prefixes` longest first, without `/`. */
  constructor(exact: readonly string[], prefixes: readonly string[], hasRoot: boolean) {
    this.#exact = new Map(exact.map((key, i) => [key, i]));
    this.#prefix = new Map(prefixes.map((key, i) => [key, exact.length + i]));
    this.#root = hasRoot ? exact.length + prefixes.length : -1;
    this.#maxLength = prefixes.length === 0 ? 0 : prefixes[0]!.length;
    this.#lengths = new Uint8Array(this.#maxLength + 1);
    for (const key of prefixes) this.#lengths[key.length] = 1;
  }

  match(path: string): number {
    if (this.#exact.size > 0) {
      const exact = this.#exact.get(path);
      if (exact !== undefined) return exact;
    }
    if (path.charCodeAt(0) !== 0x2f) return -1;
    const lengths = this.#lengths;
    for (let i = Math.min(path.length, this.#maxLength); i >= 2; i--) {
      if (lengths[i] === 0) continue;
      if ((i === path.length || path.charCodeAt(i) === 0x2f) && path.charCodeAt(i - 1) !== 0x2f) {
        const hit = this.#prefix.get(path.slice(0, i));
        if (hit !== undefined) return hit;
      }
    }
    return this.#root;
  }
}
