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
  /**
   * By a 30-bit hash of the provider `sid` (back-channel logouts arrive with every sign-out at
   * the provider): a small-integer key costs no string; candidates are checked in full.
   */
  readonly #bySid = new Map<number, KeySet>();
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
    this.#index(entry, record.sid);
    this.#live += (isLive ? 1 : 0) - (wasLive ? 1 : 0);
  }

  touch(key: string, lastSeenAt: number): void {
    const e = this.#sessions.get(key);
    if (e !== undefined && e.revokedAt === undefined && lastSeenAt > e.lastSeenAt) e.lastSeenAt = lastSeenAt;
  }

  revoke(key: string, nowSeconds: number): number {
    const e = this.#sessions.get(key);
    if (!e || e.revokedAt !== undefined) return 0;
    this.#unindex(e);
    // The tombstone keeps only what explains the refusal; claims and tokens are dropped.
    e.revoke(nowSeconds, this.#intern);
    this.#live--;
    return 1;
  }

  revokeSubject(subject: string, issuer: string | undefined, nowSeconds: number): number {
    // A scan (about 2 ms per 100k sessions): revoking a subject is a rare admin action, and
    // an index by subject would cost every session ~40 bytes.
    let n = 0;
    for (const [key, e] of this.#sessions) {
      if (!e.mayBeSubject(subject) || (issuer !== undefined && e.issuer !== issuer)) continue;
      if (e.subject === subject) n += this.revoke(key, nowSeconds);
    }
    return n;
  }

  revokeSid(issuer: string, sid: string, nowSeconds: number): number {
    let n = 0;
    for (const key of keysOf(this.#bySid.get(sidHash(sid)))) {
      const e = this.#sessions.get(key);
      if (e?.issuer === issuer && e.sid === sid) n += this.revoke(key, nowSeconds);
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

  #index(e: Entry, sid: string | undefined): void {
    if (e.revokedAt === undefined && sid !== undefined) addKey(this.#bySid, sidHash(sid), e.key);
  }

  #unindex(e: Entry): void {
    if (e.revokedAt !== undefined) return;
    const sid = e.sid;
    if (sid !== undefined) removeKey(this.#bySid, sidHash(sid), e.key);
  }
}

/**
 * Times are kept as seconds from this base so they stay small integers (V8 Smis, no boxed
 * numbers) until 2054; the getters give epoch seconds back.
 */
const TIME_BASE = 1_600_000_000;
const NONE = -0x3fffffff; // "absent" for optional times (a Smi, keeps the field's shape)

const EMPTY: readonly string[] = Object.freeze([]);

/** The fields read only off the hot path, kept together in one JSON string (one header, no slots). */
type Cold = [
  subject: string,
  sid: string | null,
  email: string | null,
  sealed: string,
  claims: Record<string, unknown> | null,
];

/** One-slot cache of the last cold string parsed (see Entry#coldParts). */
let lastCold = '';
let lastParts: Cold = ['', null, null, '', null];

/** What many sessions share (one organisation, one provider): held once. */
interface Profile {
  readonly issuer: string;
  readonly acr: string | undefined;
  readonly amr: readonly string[] | undefined;
  readonly groups: readonly string[];
}

/**
 * One session, compact: what every request reads (times, revocation) in small-integer
 * fields; what sessions share (issuer, acr, amr, groups) in an interned {@link Profile}; what
 * only a principal build, a refresh or a revocation reads (subject, sid, email, sealed
 * tokens, claims) in one JSON string. Implements {@link SessionRecord} with getters; records
 * from `get()` are views: copy them with {@link copySessionRecord}, not with a spread.
 */
class Entry implements SessionRecord {
  readonly key: string;
  #profile: Profile;
  #cold: string;
  /** version << 4 | omitted-claims bits: one small integer for two. */
  #versionBits: number;
  #authTime: number;
  #createdAt: number;
  #lastSeenAt: number;
  #absoluteExpiresAt: number;
  #tokensExpiresAt: number;
  #revokedAt: number;

  constructor(r: SessionRecord, intern: Interner) {
    this.key = r.key;
    this.#profile = intern.profile(r.issuer, r.acr, r.amr, r.groups);
    const { rest, omitted } = compactClaims(r);
    const cold: Cold = [r.subject, r.sid ?? null, r.email ?? null, r.sealed, rest];
    this.#cold = JSON.stringify(cold);
    this.#versionBits = r.version * 16 + omitted;
    this.#authTime = r.authTime === undefined ? NONE : r.authTime - TIME_BASE;
    this.#createdAt = r.createdAt - TIME_BASE;
    this.#lastSeenAt = r.lastSeenAt - TIME_BASE;
    this.#absoluteExpiresAt = r.absoluteExpiresAt - TIME_BASE;
    this.#tokensExpiresAt = r.tokensExpiresAt - TIME_BASE;
    this.#revokedAt = r.revokedAt === undefined ? NONE : r.revokedAt - TIME_BASE;
  }

  #coldParts(): Cold {
    // A principal build reads several cold fields in a row: parse once for all of them.
    if (lastCold !== this.#cold) {
      lastCold = this.#cold;
      lastParts = JSON.parse(this.#cold) as Cold;
    }
    return lastParts;
  }

  /** Cheap pre-check for scans: whether the cold part can hold this subject at all. */
  mayBeSubject(subject: string): boolean {
    return this.#cold.startsWith(`[${JSON.stringify(subject)},`);
  }

  get issuer(): string {
    return this.#profile.issuer;
  }
  get subject(): string {
    return this.#coldParts()[0];
  }
  get sid(): string | undefined {
    return this.#coldParts()[1] ?? undefined;
  }
  get email(): string | undefined {
    return this.#coldParts()[2] ?? undefined;
  }
  get sealed(): string {
    return this.#coldParts()[3];
  }
  get groups(): readonly string[] {
    return this.#profile.groups;
  }
  get acr(): string | undefined {
    return this.#profile.acr;
  }
  get amr(): readonly string[] | undefined {
    return this.#profile.amr;
  }
  /** Parsed on each read: callers cache what they build from it (the principal). */
  get claims(): Readonly<Record<string, unknown>> {
    const [subject, , email, , stored] = this.#coldParts();
    if (stored === null) return {};
    const rest = { ...stored };
    const omitted = this.#versionBits & 15;
    if (omitted & SUB) rest.sub = subject;
    if (omitted & ISS) rest.iss = this.issuer;
    if (omitted & EMAIL) rest.email = email;
    if (omitted & GROUPS) rest.groups = [...this.groups];
    return rest;
  }
  get version(): number {
    return Math.floor(this.#versionBits / 16);
  }
  get authTime(): number | undefined {
    return this.#authTime === NONE ? undefined : this.#authTime + TIME_BASE;
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
  get revokedAt(): number | undefined {
    return this.#revokedAt === NONE ? undefined : this.#revokedAt + TIME_BASE;
  }

  /** Become a tombstone: subject and issuer stay (to say whose), no claims, no tokens. */
  revoke(nowSeconds: number, intern: Interner): void {
    this.#revokedAt = nowSeconds - TIME_BASE;
    this.#cold = JSON.stringify([this.subject, null, null, '', null] satisfies Cold);
    this.#versionBits -= this.#versionBits & 15;
    this.#profile = intern.profile(this.issuer, undefined, undefined, EMPTY);
  }

  toJSON(): SessionRecord {
    return copySessionRecord(this);
  }
}

/** A plain-object copy of a record (records from a store may be views with getters). */
export function copySessionRecord(r: SessionRecord): SessionRecord {
  return {
    key: r.key,
    issuer: r.issuer,
    subject: r.subject,
    sid: r.sid,
    email: r.email,
    groups: r.groups,
    claims: r.claims,
    authTime: r.authTime,
    acr: r.acr,
    amr: r.amr,
    createdAt: r.createdAt,
    lastSeenAt: r.lastSeenAt,
    absoluteExpiresAt: r.absoluteExpiresAt,
    tokensExpiresAt: r.tokensExpiresAt,
    sealed: r.sealed,
    version: r.version,
    revokedAt: r.revokedAt,
  };
}

const SUB = 1;
const ISS = 2;
const EMAIL = 4;
const GROUPS = 8;

/** The claims without sub / iss / email / groups when they repeat record fields (null when empty). */
function compactClaims(r: SessionRecord): { rest: Record<string, unknown> | null; omitted: number } {
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
  return { rest: any || omitted ? rest : null, omitted };
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
  readonly #profiles = new Map<string, Profile>();
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

  profile(
    issuer: string,
    acr: string | undefined,
    amr: readonly string[] | undefined,
    groups: readonly string[],
  ): Profile {
    const id = `${issuer}\u0001${acr ?? ''}\u0001${amr?.join('\u0000') ?? '\u0002'}\u0001${groups.join('\u0000')}`;
    const have = this.#profiles.get(id);
    if (have !== undefined) return have;
    const p: Profile = Object.freeze({
      issuer: this.string(issuer),
      acr: acr === undefined ? undefined : this.string(acr),
      amr: amr === undefined ? undefined : this.list(amr),
      groups: this.list(groups),
    });
    if (this.#profiles.size < this.#max) this.#profiles.set(id, p);
    return p;
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

/** FNV-1a, folded to 30 bits (a V8 small integer). */
function sidHash(sid: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < sid.length; i++) h = Math.imul(h ^ sid.charCodeAt(i), 0x01000193);
  return (h >>> 2) & 0x3fffffff;
}

function addKey(index: Map<number, KeySet>, name: number, key: string): void {
  const have = index.get(name);
  if (have === undefined) index.set(name, key);
  else if (typeof have === 'string') {
    if (have !== key) index.set(name, new Set([have, key]));
  } else have.add(key);
}

function removeKey(index: Map<number, KeySet>, name: number, key: string): void {
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
