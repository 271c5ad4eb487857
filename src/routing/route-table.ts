/**
 * The host/path route table. Lookup costs a few Map reads per host label and per path
 * segment, whatever the number of routes: no scan over routes.
 *
 * Host precedence: exact name, then the longest matching `*.suffix` wildcard, then `*`.
 * The table picks the most specific host pattern that matches and looks for the path in
 * that host's routes only. It does NOT fall back to a less specific host pattern when the
 * path is missing there (Gateway API semantics): an operator who configures `app.example.com`
 * owns all of it, and a `*.example.com` route cannot leak in under it by accident.
 *
 * Path precedence within a host: an exact route, then the longest prefix route, prefixes
 * matching on segment boundaries exactly as `pathHasPrefix` does.
 */
import { parseHostValue } from './host.ts';
import { normalisePrefix } from './path-prefix.ts';

export interface RouteEntry<T> {
  /** `app.example.com`, `*.example.com` or `*`; case and one trailing dot are normalised. */
  host: string;
  /** Starts with `/`. A prefix's trailing slash is ignored (`/admin/` is `/admin`). */
  path: string;
  pathMatch: 'prefix' | 'exact';
  value: T;
}

export interface RouteTable<T> {
  /** The route for a request; `host` as `parseHost` returns it, `path` as `normaliseTarget` does. */
  lookup(host: string, path: string): T | undefined;
  /** Number of entries. */
  readonly size: number;
}

class PathTable<T> {
  readonly exact = new Map<string, T>();
  readonly prefix = new Map<string, T>();
  /** Lengths of the stored prefixes: a cut of the path is probed only when some prefix has its length. */
  #lengths = new Uint8Array(0);
  #maxLength = 0;

  addPrefix(key: string, value: T): void {
    this.prefix.set(key, value);
    if (key.length >= this.#lengths.length) {
      const grown = new Uint8Array(Math.max(key.length + 1, this.#lengths.length * 2));
      grown.set(this.#lengths);
      this.#lengths = grown;
    }
    this.#lengths[key.length] = 1;
    if (key.length > this.#maxLength) this.#maxLength = key.length;
  }

  match(path: string): T | undefined {
    if (this.exact.size > 0) {
      const exact = this.exact.get(path);
      if (exact !== undefined || this.exact.has(path)) return exact;
    }
    if (this.prefix.size === 0 || path.charCodeAt(0) !== 0x2f) return undefined;
    // Candidate keys, longest first: every cut of the path at a segment boundary that does
    // not end in '/' (stored prefixes never do), then '/'. These are exactly the prefixes for
    // which pathHasPrefix(path, key) holds. Cuts no stored prefix is as long as are skipped
    // without building the string: on a large table most probes would miss the CPU caches.
    const lengths = this.#lengths;
    for (let i = Math.min(path.length, this.#maxLength); i >= 2; i--) {
      if (lengths[i] === 0) continue;
      if ((i === path.length || path.charCodeAt(i) === 0x2f) && path.charCodeAt(i - 1) !== 0x2f) {
        const key = path.slice(0, i);
        const hit = this.prefix.get(key);
        if (hit !== undefined || this.prefix.has(key)) return hit;
      }
    }
    return this.prefix.has('/') ? this.prefix.get('/') : undefined;
  }
}

type HostPattern = { kind: 'exact' | 'wildcard'; key: string } | { kind: 'any' };

/**
 * Build a route table. Throws a plain `Error` on an invalid host pattern or path, or on a
 * duplicate (host, path, pathMatch) after normalisation; the config layer reports those
 * first, with a JSON pointer.
 */
export function buildRouteTable<T>(entries: readonly RouteEntry<T>[]): RouteTable<T> {
  const exactHosts = new Map<string, PathTable<T>>();
  const wildcardHosts = new Map<string, PathTable<T>>();
  let anyHost: PathTable<T> | undefined;

  for (const entry of entries) {
    const pattern = parseHostPattern(entry.host);
    let table: PathTable<T>;
    if (pattern.kind === 'any') {
      anyHost ??= new PathTable<T>();
      table = anyHost;
    } else {
      const hosts = pattern.kind === 'exact' ? exactHosts : wildcardHosts;
      let found = hosts.get(pattern.key);
      if (found === undefined) {
        found = new PathTable<T>();
        hosts.set(pattern.key, found);
      }
      table = found;
    }
    if (entry.path.charCodeAt(0) !== 0x2f) throw new Error(`route path must start with "/": "${entry.path}"`);
    const map = entry.pathMatch === 'exact' ? table.exact : table.prefix;
    const key = entry.pathMatch === 'exact' ? entry.path : normalisePrefix(entry.path);
    if (map.has(key)) {
      throw new Error(`duplicate route: host "${entry.host}", ${entry.pathMatch} path "${entry.path}"`);
    }
    if (entry.pathMatch === 'exact') table.exact.set(key, entry.value);
    else table.addPrefix(key, entry.value);
  }

  const size = entries.length;
  return {
    size,
    lookup(host: string, path: string): T | undefined {
      const name = lookupName(host);
      if (name === undefined) return undefined;
      const table = exactHosts.get(name) ?? wildcardFor(wildcardHosts, name) ?? anyHost;
      return table?.match(path);
    },
  };
}

/** Longest `*.suffix` match: suffixes after each dot, left to right, need one more label. */
function wildcardFor<T>(wildcards: Map<string, PathTable<T>>, name: string): PathTable<T> | undefined {
  if (wildcards.size === 0) return undefined;
  for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
    const table = wildcards.get(name.slice(dot + 1));
    if (table !== undefined) return table;
  }
  return undefined;
}

/** ASCII lower-case and one trailing dot dropped; undefined for non-ASCII (never a route). */
function lookupName(host: string): string | undefined {
  // one pass: refuse non-ASCII, and lower-case only when needed (the proxy passes hosts
  // already canonical, so the common case allocates nothing)
  let upper = false;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c > 0x7f) return undefined;
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  const lower = upper ? host.toLowerCase() : host;
  return lower.charCodeAt(lower.length - 1) === 0x2e ? lower.slice(0, -1) : lower;
}

function parseHostPattern(pattern: string): HostPattern {
  if (pattern === '*') return { kind: 'any' };
  const wildcard = pattern.startsWith('*.');
  const name = wildcard ? pattern.slice(2) : pattern;
  const parsed = parseHostValue(name);
  if (!parsed.ok || parsed.port !== undefined || name.includes('*')) {
    throw new Error(`invalid route host pattern: "${pattern}"`);
  }
  if (wildcard && parsed.host.charCodeAt(0) === 0x5b)
    throw new Error(`invalid route host pattern: "${pattern}"`);
  return { kind: wildcard ? 'wildcard' : 'exact', key: parsed.host };
}
