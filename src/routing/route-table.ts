/**
 * The host/path route table. Lookup costs one Map read for a known host and, within the host,
 * a few native string comparisons (see path-set.ts), whatever the number of routes: no
 * scan over routes.
 *
 * Host precedence: exact name, then the longest matching `*.suffix` wildcard, then `*`.
 * The table picks the most specific host pattern that matches and looks for the path in
 * that host's routes only. It does NOT fall back to a less specific host pattern when the
 * path is missing there (Gateway API semantics): an operator who configures `app.example.com`
 * owns all of it, and a `*.example.com` route cannot leak in under it by accident.
 *
 * Path precedence within a host: an exact route, then the longest prefix route, prefixes
 * matching on segment boundaries exactly as `pathHasPrefix` does.
 *
 * Layout, for few dependent memory reads per lookup on a large table: one Map from the
 * canonical host to a two-field `HostRoutes` (its path set and where its values start in one
 * array shared by all hosts); hosts with the same paths share one `SmallPathSet`. A canonical
 * host (what `parseHost` returns) is found by its first Map read without being scanned; only
 * a host that misses (unknown, wildcard-matched, upper-case, trailing dot) is examined.
 */
import { parseHostValue } from './host.ts';
import { normalisePrefix } from './path-prefix.ts';
import { LargePathSet, SMALL_PATH_SET_MAX, SmallPathSet } from './path-set.ts';

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

/** One host pattern's routes: values[base + i] is the value of key i of its path set. */
class HostRoutes {
  readonly small: SmallPathSet | undefined;
  readonly large: LargePathSet | undefined;
  readonly base: number;

  constructor(small: SmallPathSet | undefined, large: LargePathSet | undefined, base: number) {
    this.small = small;
    this.large = large;
    this.base = base;
  }
}

/** Routes of one host pattern while the table is being built. */
class Draft<T> {
  readonly exact = new Map<string, T>();
  readonly prefix = new Map<string, T>();
}

/** A host with upper-case or non-ASCII characters: only those need a closer look. */
const UPPER_OR_NON_ASCII = /[A-Z\u0080-\uffff]/;
const NON_ASCII = /[\u0080-\uffff]/;

type HostPattern = { kind: 'exact' | 'wildcard'; key: string } | { kind: 'any' };

/**
 * Build a route table. Throws a plain `Error` on an invalid host pattern or path, or on a
 * duplicate (host, path, pathMatch) after normalisation; the config layer reports those
 * first, with a JSON pointer.
 */
export function buildRouteTable<T>(entries: readonly RouteEntry<T>[]): RouteTable<T> {
  const exactDrafts = new Map<string, Draft<T>>();
  const wildcardDrafts = new Map<string, Draft<T>>();
  let anyDraft: Draft<T> | undefined;

  for (const entry of entries) {
    const pattern = parseHostPattern(entry.host);
    let draft: Draft<T>;
    if (pattern.kind === 'any') {
      anyDraft ??= new Draft<T>();
      draft = anyDraft;
    } else {
      const hosts = pattern.kind === 'exact' ? exactDrafts : wildcardDrafts;
      let found = hosts.get(pattern.key);
      if (found === undefined) {
        found = new Draft<T>();
        hosts.set(pattern.key, found);
      }
      draft = found;
    }
    if (entry.path.charCodeAt(0) !== 0x2f) throw new Error(`route path must start with "/": "${entry.path}"`);
    const map = entry.pathMatch === 'exact' ? draft.exact : draft.prefix;
    const key = entry.pathMatch === 'exact' ? entry.path : normalisePrefix(entry.path);
    if (map.has(key)) {
      throw new Error(`duplicate route: host "${entry.host}", ${entry.pathMatch} path "${entry.path}"`);
    }
    map.set(key, entry.value);
  }

  const values: T[] = [];
  const shared = new Map<string, SmallPathSet>();
  const compile = (draft: Draft<T>): HostRoutes => {
    const exact = [...draft.exact.keys()];
    const prefixes = [...draft.prefix.keys()]
      .filter((key) => key !== '/')
      .sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    const hasRoot = draft.prefix.has('/');
    const base = values.length;
    for (const key of exact) values.push(draft.exact.get(key) as T);
    for (const key of prefixes) values.push(draft.prefix.get(key) as T);
    if (hasRoot) values.push(draft.prefix.get('/') as T);
    if (exact.length + prefixes.length > SMALL_PATH_SET_MAX) {
      return new HostRoutes(undefined, new LargePathSet(exact, prefixes, hasRoot), base);
    }
    const id = JSON.stringify([exact, prefixes, hasRoot]);
    let small = shared.get(id);
    if (small === undefined) {
      small = new SmallPathSet(exact, prefixes, hasRoot);
      shared.set(id, small);
    }
    return new HostRoutes(small, undefined, base);
  };

  const exactHosts = new Map<string, HostRoutes>();
  for (const [host, draft] of exactDrafts) exactHosts.set(host, compile(draft));
  const wildcardHosts = new Map<string, HostRoutes>();
  for (const [suffix, draft] of wildcardDrafts) wildcardHosts.set(suffix, compile(draft));
  const anyHost = anyDraft === undefined ? undefined : compile(anyDraft);

  // a suffix is probed only when some wildcard has its length: most unknown hosts reach "*"
  // (or nothing) without building a string
  let longestWildcard = 0;
  for (const suffix of wildcardHosts.keys()) longestWildcard = Math.max(longestWildcard, suffix.length);
  const wildcardLengths = new Uint8Array(longestWildcard + 1);
  for (const suffix of wildcardHosts.keys()) wildcardLengths[suffix.length] = 1;

  /** A host that is not a canonical exact host name: ASCII lower-case, one trailing dot dropped. */
  const otherHost = (host: string): HostRoutes | undefined => {
    let name = host;
    if (UPPER_OR_NON_ASCII.test(host)) {
      // never a route for non-ASCII, even one that lower-cases to ASCII (the Kelvin sign)
      if (NON_ASCII.test(host)) return undefined;
      name = host.toLowerCase();
    }
    if (name.charCodeAt(name.length - 1) === 0x2e) name = name.slice(0, -1);
    if (name !== host) {
      const exact = exactHosts.get(name);
      if (exact !== undefined) return exact;
    }
    // longest `*.suffix` first: the suffix after each dot, left to right, needs one more label
    for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
      const length = name.length - dot - 1;
      if (length > longestWildcard || wildcardLengths[length] === 0) continue;
      const routes = wildcardHosts.get(name.slice(dot + 1));
      if (routes !== undefined) return routes;
    }
    return anyHost;
  };

  const size = entries.length;
  return {
    size,
    lookup(host: string, path: string): T | undefined {
      // stored names are canonical, so a hit on the host as given is the exact-name match
      const routes = exactHosts.get(host) ?? otherHost(host);
      if (routes === undefined) return undefined;
      const small = routes.small;
      const index = small !== undefined ? small.match(path) : routes.large!.match(path);
      return index < 0 ? undefined : values[routes.base + index];
    },
  };
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
