/**
 * Read-only access to a request's headers by lower-case name, keeping every copy: a header
 * that describes the original request must appear exactly once, and Node's `req.headers`
 * would silently join or drop repeats.
 */
export class HeaderView {
  readonly #byName = new Map<string, string[]>();

  /**
   * From Node's `rawHeaders` ([name, value, …], names in their sent case), keeping only the
   * names `keep` accepts (lower-case): a check reads a handful of headers, not all of them.
   */
  static fromRaw(raw: readonly string[], keep: (lowerName: string) => boolean = () => true): HeaderView {
    const view = new HeaderView();
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (keep(name)) view.#add(name, raw[i + 1]!);
    }
    return view;
  }

  /** From lower-case name/value pairs (an ext_authz CheckRequest). */
  static fromPairs(pairs: Iterable<readonly [string, string]>): HeaderView {
    const view = new HeaderView();
    for (const [name, value] of pairs) view.#add(name, value);
    return view;
  }

  #add(name: string, value: string): void {
    const list = this.#byName.get(name);
    if (list) list.push(value);
    else this.#byName.set(name, [value]);
  }

  /** The values of a header (empty when absent). */
  all(name: string): readonly string[] {
    return this.#byName.get(name) ?? NONE;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Header names present, lower-case. */
  names(): IterableIterator<string> {
    return this.#byName.keys();
  }
}

const NONE: readonly string[] = Object.freeze([]);
