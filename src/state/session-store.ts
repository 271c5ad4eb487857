/**
 * Server-side sessions for people signed in through OIDC (src/sso). The browser holds only
 * an opaque random session id; the store is keyed by the SHA-256 of that id, so a dump of
 * the store yields no usable cookie, and the provider tokens in `sealed` are encrypted with
 * a key derived from the id (see src/sso/seal.ts), so a dump yields no usable token either.
 *
 * Implementations: memory (memory-session-store.ts, the default), SQLite
 * (sqlite-session-store.ts, survives restarts), Redis later. Every method may answer
 * synchronously (memory, node:sqlite) or with a promise (network stores); callers handle
 * both. Methods throw (or reject) when the store cannot be used: callers fail closed.
 */

/** One session. Only `sealed` holds secrets, and only in encrypted form. */
export interface SessionRecord {
  /** The store key: the first 22 characters of base64url SHA-256(session id) (132 bits). */
  readonly key: string;
  readonly issuer: string;
  readonly subject: string;
  /** The provider's session id (`sid` claim), for back-channel logout. */
  readonly sid?: string | undefined;
  readonly email?: string | undefined;
  readonly groups: readonly string[];
  /** Verified claims from the ID token (and userinfo), minus protocol claims; never a token. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** `auth_time`, epoch seconds. */
  readonly authTime?: number | undefined;
  readonly acr?: string | undefined;
  readonly amr?: readonly string[] | undefined;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Last request seen, epoch seconds; written at most every few seconds (idle timeout). */
  readonly lastSeenAt: number;
  /** The session ends here whatever happens, epoch seconds. */
  readonly absoluteExpiresAt: number;
  /** When the provider tokens expire, epoch seconds: refresh before, end after. */
  readonly tokensExpiresAt: number;
  /** Provider tokens, encrypted (AES-256-GCM, key derived from the session id); base64url. */
  readonly sealed: string;
  /** Incremented on every refresh. */
  readonly version: number;
  /** Set when revoked: the record stays as a tombstone until absoluteExpiresAt. */
  readonly revokedAt?: number | undefined;
}

type MaybePromise<T> = T | Promise<T>;

export interface SessionStore {
  /** The record for `key` (a tombstone when revoked), or undefined when unknown or swept. */
  get(key: string): MaybePromise<SessionRecord | undefined>;
  /**
   * Insert or replace a record. Throws {@link SessionStoreFullError} for a new key when the
   * store holds `maxSessions` live sessions.
   */
  put(record: SessionRecord): MaybePromise<void>;
  /** Record activity (idle timeout). No-op for unknown keys. */
  touch(key: string, lastSeenAt: number): MaybePromise<void>;
  /** Revoke one session (keeps a tombstone). Returns how many live sessions were revoked (0 or 1). */
  revoke(key: string, nowSeconds: number): MaybePromise<number>;
  /** Revoke every session of a subject (any issuer when `issuer` is undefined). */
  revokeSubject(subject: string, issuer: string | undefined, nowSeconds: number): MaybePromise<number>;
  /** Revoke every session created from the provider session `sid` of `issuer`. */
  revokeSid(issuer: string, sid: string, nowSeconds: number): MaybePromise<number>;
  /** Drop records past absoluteExpiresAt or idle longer than `idleSeconds`; returns how many. */
  sweep(nowSeconds: number, idleSeconds: number): MaybePromise<number>;
  /** Number of live (not revoked) sessions. */
  count(): MaybePromise<number>;
  close(): void;
}

/** Thrown by `put` when the store is full of live sessions (fail closed: the sign-in is refused). */
export class SessionStoreFullError extends Error {
  readonly code = 'ERR_SESSION_STORE_FULL';
  constructor(max: number) {
    super(`session store is full (${max} live sessions)`);
    this.name = 'SessionStoreFullError';
  }
}
