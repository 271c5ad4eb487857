import { type SessionRecord, type SessionStore, SessionStoreFullError } from './session-store.ts';

export interface MemorySessionStoreOptions {
  /** Most live sessions held (default 1_000_000). A new sign-in is refused when full. */
  readonly maxSessions?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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

/**
 * The embedded default {@link SessionStore}: a Map keyed by the session id hash, with
 * indexes by subject and by provider `sid` for revocation. Sessions live as long as the
 * process; use the SQLite store to keep them across restarts.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Mutable<SessionRecord>>();
  readonly #bySubject = new Map<string, KeySet>();
  readonly #bySid = new Map<string, KeySet>();
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
    this.#sessions.set(record.key, { ...record });
    this.#index(record);
    this.#live += (isLive ? 1 : 0) - (wasLive ? 1 : 0);
  }

  touch(key: string, lastSeenAt: number): void {
    const r = this.#sessions.get(key);
    if (r && r.revokedAt === undefined && lastSeenAt > r.lastSeenAt) r.lastSeenAt = lastSeenAt;
  }

  revoke(key: string, nowSeconds: number): number {
    const r = this.#sessions.get(key);
    if (!r || r.revokedAt !== undefined) return 0;
    this.#unindex(r);
    // The tombstone keeps only what explains the refusal; claims and tokens are dropped.
    this.#sessions.set(key, tombstone(r, nowSeconds));
    this.#live--;
    return 1;
  }

  revokeSubject(subject: string, issuer: string | undefined, nowSeconds: number): number {
    let n = 0;
    for (const key of keysOf(this.#bySubject.get(subject))) {
      const r = this.#sessions.get(key);
      if (r && (issuer === undefined || r.issuer === issuer)) n += this.revoke(key, nowSeconds);
    }
    return n;
  }

  revokeSid(issuer: string, sid: string, nowSeconds: number): number {
    let n = 0;
    for (const key of keysOf(this.#bySid.get(`${issuer}\n${sid}`))) n += this.revoke(key, nowSeconds);
    return n;
  }

  sweep(nowSeconds: number, idleSeconds: number): number {
    let n = 0;
    for (const [key, r] of this.#sessions) {
      const idle = r.revokedAt === undefined && nowSeconds - r.lastSeenAt >= idleSeconds;
      if (nowSeconds >= r.absoluteExpiresAt || idle) {
        this.#sessions.delete(key);
        if (r.revokedAt === undefined) {
          this.#unindex(r);
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

  #index(r: SessionRecord): void {
    if (r.revokedAt !== undefined) return;
    addKey(this.#bySubject, r.subject, r.key);
    if (r.sid !== undefined) addKey(this.#bySid, `${r.issuer}\n${r.sid}`, r.key);
  }

  #unindex(r: SessionRecord): void {
    if (r.revokedAt !== undefined) return;
    removeKey(this.#bySubject, r.subject, r.key);
    if (r.sid !== undefined) removeKey(this.#bySid, `${r.issuer}\n${r.sid}`, r.key);
  }
}

const EMPTY: readonly string[] = Object.freeze([]);
const NO_CLAIMS = Object.freeze({});

/** What a revoked session keeps: enough to say "revoked" until it would have expired anyway. */
export function tombstone(r: SessionRecord, nowSeconds: number): Mutable<SessionRecord> {
  return {
    key: r.key,
    issuer: r.issuer,
    subject: r.subject,
    groups: EMPTY,
    claims: NO_CLAIMS,
    createdAt: r.createdAt,
    lastSeenAt: r.lastSeenAt,
    absoluteExpiresAt: r.absoluteExpiresAt,
    tokensExpiresAt: r.tokensExpiresAt,
    sealed: '',
    version: r.version,
    revokedAt: nowSeconds,
  };
}
