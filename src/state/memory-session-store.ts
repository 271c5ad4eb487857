import { type SessionRecord, type SessionStore, SessionStoreFullError } from './session-store.ts';

export interface MemorySessionStoreOptions {
  /** Most live sessions held (default 1_000_000). A new sign-in is refused when full. */
  readonly maxSessions?: number;
}

/**
 * The embedded default {@link SessionStore}: a Map keyed by the session id hash, with
 * indexes by subject and by provider `sid` for revocation. Sessions live as long as the
 * process; the SQLite store keeps them across restarts.
 *
 * Memory is the constraint here (the target is under 50 MB per 100k sessions), so each
 * session is held compactly (see {@link Entry}): times as small integers, claims as one JSON
 * string without the fields the record already holds, and issuer, acr, amr and group lists
 * shared between sessions.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Entry>();
  readonly #bySubject = new Map<string, KeySet>();
  readonly #bySid = new Map<string, KeySet>();
  readonly #intern = new Interner();
  readonly #max: number;
  #live = 0;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#max = options.maxSessions ?? 1_000_000;
  }

  get(key: string): SessionRecord | undefined {
    return this.#sessions.get(key);
  }

  put(record: SessionRecord): void {
    const prior = this.#sessions.get(record.key);
    const wasLive = prior !== undefined && prior.revokedAt === undefined;
    const isLive = record.revokedAt === undefined;
    if (!wasLive && isLive && this.#live >= this.#max) throw new SessionStoreFullError(this.#max);
    if (prior) this.#unindex(prior);
    const entry = new Entry(record, this.#intern);
    this.#sessions.set(entry.key, entry);
    this.#index(entry);
    this.#live += (isLive ? 1 : 0) - (wasLive ? 1 : 0);
  }

  touch(key: string, lastSeenAt: number): void {
    const e = this.#sessions.get(key);
    if (e && e.revokedAt === undefined && lastSeenAt > e.lastSeenAt) e.lastSeenAt = lastSeenAt;
  }

  revoke(key: string, nowSeconds: number): number {
    const e = this.#sessions.get(key);
    if (!e || e.revokedAt !== undefined) return 0;
    this.#unindex(e);
    // The tombstone keeps only what explains the refusal; claims and tokens are dropped.
    e.revoke(nowSeconds);
    this.#live--;
    return 1;
  }

  revokeSubject(subject: string, issuer: string | undefined, nowSeconds: number): number {
    let n = 0;
    for (const key of keysOf(this.#bySubject.get(subject))) {
      const e = this.#sessions.get(key);
      if (e && (issuer === undefined || e.issuer === issuer)) n += this.revoke(key, nowSeconds);
    }
    return n;
  }

  revokeSid(issuer: string, sid: string, nowSeconds: number): number {
    let n = 0;
    for (const key of keysOf(this.#bySid.get(sid))) {
      if (this.#sessions.get(key)?.issuer === issuer) n += this.revoke(key, nowSeconds);
    }
    return n;
  }

  sweep(nowSeconds: number, idleSeconds: number): number {
    let n = 0;
    for (const [key, e] of this.#sessions) {
      const idle = e.revokedAt === undefined && nowSeconds - e.lastSeenAt >= idleSeconds;
      if (nowSeconds >= e.absoluteExpiresAt || idle) {
        this.#sessions.delete(key);
        if (e.revokedAt === undefined) {
          this.#unindex(e);
          this.#live--;
        }
        n++;
      }
    }
    return n;
  }

  count(): number {
    return this.#live;
  }

  close(): void {}

  #index(e: Entry): void {
    if (e.revokedAt !== undefined) return;
    addKey(this.#bySubject, e.subject, e.key);
    if (e.sid !== undefined) addKey(this.#bySid, e.sid, e.key);
  }

  #unindex(e: Entry): void {
    if (e.revokedAt !== undefined) return;
    removeKey(this.#bySubject, e.subject, e.key);
    if (e.sid !== undefined) removeKey(this.#bySid, e.sid, e.key);
  }
}

/**
 * Times are kept as seconds from this base so they stay small integers (V8 Smis, no boxed
 * numbers) until 2054; the getters give epoch seconds back.
 */
const TIME_BASE = 1_600_000_000;
const NONE = -0x3fffffff; // "absent" for optional times (a Smi, keeps the field's shape)

const EMPTY: readonly string[] = Object.freeze([]);

/** One session, compact. Implements {@link SessionRecord} with getters over its fields. */
class Entry implements SessionRecord {
  readonly key: string;
  readonly issuer: string;
  readonly subject: string;
  readonly sid: string | undefined;
  readonly email: string | undefined;
  #groups: readonly string[];
  /** Claims without sub / iss / email / groups when those equal the record's fields. */
  #claims: string;
  #omitted: number;
  #authTime: number;
  readonly acr: string | undefined;
  #amr: readonly string[] | undefined;
  #createdAt: number;
  #lastSeenAt: number;
  #absoluteExpiresAt: number;
  #tokensExpiresAt: number;
  #sealed: string;
  readonly version: number;
  #revokedAt: number;

  constructor(r: SessionRecord, intern: Interner) {
    this.key = r.key;
    this.issuer = intern.string(r.issuer);
    this.subject = r.subject;
    this.sid = r.sid;
    this.email = r.email;
    this.#groups = intern.list(r.groups);
    const { json, omitted } = compactClaims(r);
    this.#claims = json;
    this.#omitted = omitted;
    this.#authTime = r.authTime === undefined ? NONE : r.authTime - TIME_BASE;
    this.acr = r.acr === undefined ? undefined : intern.string(r.acr);
    this.#amr = r.amr === undefined ? undefined : intern.list(r.amr);
    this.#createdAt = r.createdAt - TIME_BASE;
    this.#lastSeenAt = r.lastSeenAt - TIME_BASE;
    this.#absoluteExpiresAt = r.absoluteExpiresAt - TIME_BASE;
    this.#tokensExpiresAt = r.tokensExpiresAt - TIME_BASE;
    this.#sealed = r.sealed;
    this.version = r.version;
    this.#revokedAt = r.revokedAt === undefined ? NONE : r.revokedAt - TIME_BASE;
  }

  get groups(): readonly string[] {
    return this.#groups;
  }
  /** Parsed on each read: callers cache what they build from it (the principal). */
  get claims(): Readonly<Record<string, unknown>> {
    if (this.#claims === '') return {};
    const c = JSON.parse(this.#claims) as Record<string, unknown>;
    if (this.#omitted & SUB) c.sub = this.subject;
    if (this.#omitted & ISS) c.iss = this.issuer;
    if (this.#omitted & EMAIL) c.email = this.email;
    if (this.#omitted & GROUPS) c.groups = [...this.#groups];
    return c;
  }
  get authTime(): number | undefined {
    return this.#authTime === NONE ? undefined : this.#authTime + TIME_BASE;
  }
  get amr(): readonly string[] | undefined {
    return this.#amr;
  }
  get createdAt(): number {
    return this.#createdAt + TIME_BASE;
  }
  get lastSeenAt(): number {
    return this.#lastSeenAt + TIME_BASE;
  }
  set lastSeenAt(v: number) {
    this.#lastSeenAt = v - TIME_BASE;
  }
  get absoluteExpiresAt(): number {
    return this.#absoluteExpiresAt + TIME_BASE;
  }
  get tokensExpiresAt(): number {
    return this.#tokensExpiresAt + TIME_BASE;
  }
  get sealed(): string {
    return this.#sealed;
  }
  get revokedAt(): number | undefined {
    return this.#revokedAt === NONE ? undefined : this.#revokedAt + TIME_BASE;
  }

  /** Become a tombstone: no claims, no tokens. */
  revoke(nowSeconds: number): void {
    this.#revokedAt = nowSeconds - TIME_BASE;
    this.#claims = '';
    this.#omitted = 0;
    this.#sealed = '';
    this.#groups = EMPTY;
    this.#amr = undefined;
  }

  toJSON(): SessionRecord {
    return {
      key: this.key,
      issuer: this.issuer,
      subject: this.subject,
      sid: this.sid,
      email: this.email,
      groups: this.groups,
      claims: this.claims,
      authTime: this.authTime,
      acr: this.acr,
      amr: this.amr,
      createdAt: this.createdAt,
      lastSeenAt: this.lastSeenAt,
      absoluteExpiresAt: this.absoluteExpiresAt,
      tokensExpiresAt: this.tokensExpiresAt,
      sealed: this.sealed,
      version: this.version,
      revokedAt: this.revokedAt,
    };
  }
}

const SUB = 1;
const ISS = 2;
const EMAIL = 4;
const GROUPS = 8;

/** The claims as JSON, leaving out sub / iss / email / groups when they repeat record fields. */
function compactClaims(r: SessionRecord): { json: string; omitted: number } {
  const rest: Record<string, unknown> = {};
  let omitted = 0;
  let any = false;
  for (const [name, value] of Object.entries(r.claims)) {
    if (name === 'sub' && value === r.subject) omitted |= SUB;
    else if (name === 'iss' && value === r.issuer) omitted |= ISS;
    else if (name === 'email' && value === r.email) omitted |= EMAIL;
    else if (name === 'groups' && sameList(value, r.groups)) omitted |= GROUPS;
    else {
      rest[name] = value;
      any = true;
    }
  }
  return { json: any || omitted ? JSON.stringify(rest) : '', omitted };
}

function sameList(value: unknown, list: readonly string[]): boolean {
  return Array.isArray(value) && value.length === list.length && value.every((v, i) => v === list[i]);
}

/**
 * Shares equal strings and string lists between sessions (most people of one organisation
 * carry the same issuer, acr, amr and a handful of group sets). Bounded: past `max` entries
 * new values are kept as they are.
 */
class Interner {
  readonly #strings = new Map<string, string>();
  readonly #lists = new Map<string, readonly string[]>();
  readonly #max: number;

  constructor(max = 50_000) {
    this.#max = max;
  }

  string(s: string): string {
    const have = this.#strings.get(s);
    if (have !== undefined) return have;
    if (this.#strings.size < this.#max) this.#strings.set(s, s);
    return s;
  }

  list(list: readonly string[]): readonly string[] {
    if (list.length === 0) return EMPTY;
    const id = list.join('\u0000');
    const have = this.#lists.get(id);
    if (have !== undefined) return have;
    const frozen = Object.freeze(list.map((s) => this.string(s)));
    if (this.#lists.size < this.#max) this.#lists.set(id, frozen);
    return frozen;
  }
}

/** A set of keys that costs one string while it holds one key (most subjects have one session). */
type KeySet = string | Set<string>;

function addKey(index: Map<string, KeySet>, name: string, key: string): void {
  const have = index.get(name);
  if (have === undefined) index.set(name, key);
  else if (typeof have === 'string') {
    if (have !== key) index.set(name, new Set([have, key]));
  } else have.add(key);
}

function removeKey(index: Map<string, KeySet>, name: string, key: string): void {
  const have = index.get(name);
  if (have === undefined) return;
  if (typeof have === 'string') {
    if (have === key) index.delete(name);
  } else {
    have.delete(key);
    if (have.size === 1) index.set(name, have.values().next().value!);
    else if (have.size === 0) index.delete(name);
  }
}

function keysOf(set: KeySet | undefined): string[] {
  if (set === undefined) return [];
  return typeof set === 'string' ? [set] : [...set];
}
