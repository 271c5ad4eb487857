import { chmodSync, closeSync, openSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MemorySessionStore } from './memory-session-store.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';

export interface SqliteSessionStoreOptions {
  /** Database file; created (mode 0600) when missing. `:memory:` for tests. */
  readonly path: string;
  /** Most live sessions held (default 1_000_000). */
  readonly maxSessions?: number;
  /** Drop rows already past absoluteExpiresAt when opening, given this clock (epoch seconds). */
  readonly nowSeconds?: number;
}

interface Row {
  key: string;
  issuer: string;
  subject: string;
  sid: string | null;
  data: string;
  created_at: number;
  last_seen_at: number;
  absolute_expires_at: number;
  tokens_expires_at: number;
  sealed: string;
  version: number;
  revoked_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gatehouse_sessions (
  key TEXT PRIMARY KEY,
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  sid TEXT,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  absolute_expires_at INTEGER NOT NULL,
  tokens_expires_at INTEGER NOT NULL,
  sealed TEXT NOT NULL,
  version INTEGER NOT NULL,
  revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gatehouse_sessions_expiry ON gatehouse_sessions (absolute_expires_at);
CREATE INDEX IF NOT EXISTS gatehouse_sessions_subject ON gatehouse_sessions (subject);
CREATE INDEX IF NOT EXISTS gatehouse_sessions_sid ON gatehouse_sessions (issuer, sid);
`;

/**
 * A {@link SessionStore} that survives restarts: every change is written to SQLite
 * (node:sqlite, WAL), and reads are answered from an in-memory copy loaded at open, so a
 * lookup costs the same as the memory store. One Gatehouse process per database file:
 * several replicas need a shared store (Redis).
 */
export class SqliteSessionStore implements SessionStore {
  readonly #db: DatabaseSync;
  readonly #memory: MemorySessionStore;
  readonly #upsert: StatementSync;
  readonly #touch: StatementSync;
  readonly #delete: StatementSync;
  readonly #revokeBySubject: StatementSync;
  readonly #revokeBySubjectIssuer: StatementSync;
  readonly #revokeBySid: StatementSync;
  #closed = false;

  constructor(options: SqliteSessionStoreOptions) {
    if (options.path !== ':memory:') {
      // Create the file owner-only before SQLite opens it: it holds (sealed) tokens.
      closeSync(openSync(options.path, 'a', 0o600));
      chmodSync(options.path, 0o600);
    }
    this.#db = new DatabaseSync(options.path);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000;');
    this.#db.exec(SCHEMA);
    this.#memory = new MemorySessionStore(
      options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {},
    );
    this.#upsert = this.#db.prepare(
      `INSERT OR REPLACE INTO gatehouse_sessions
       (key, issuer, subject, sid, data, created_at, last_seen_at, absolute_expires_at, tokens_expires_at, sealed, version, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#touch = this.#db.prepare('UPDATE gatehouse_sessions SET last_seen_at = ? WHERE key = ?');
    this.#delete = this.#db.prepare('DELETE FROM gatehouse_sessions WHERE key = ?');
    // A tombstone keeps no claims and no tokens (as the memory store's does).
    const revoke = `UPDATE gatehouse_sessions SET revoked_at = ?, data = '{}', sealed = '' WHERE revoked_at IS NULL`;
    this.#revokeBySubject = this.#db.prepare(`${revoke} AND subject = ?`);
    this.#revokeBySubjectIssuer = this.#db.prepare(`${revoke} AND subject = ? AND issuer = ?`);
    this.#revokeBySid = this.#db.prepare(`${revoke} AND issuer = ? AND sid = ?`);
    if (options.nowSeconds !== undefined) {
      this.#db
        .prepare('DELETE FROM gatehouse_sessions WHERE absolute_expires_at <= ?')
        .run(options.nowSeconds);
    }
    const rows = this.#db.prepare('SELECT * FROM gatehouse_sessions').all() as unknown as Row[];
    for (const row of rows) {
      try {
        this.#memory.put(fromRow(row));
      } catch {
        // a corrupt row or a full store: the session is dropped (its owner signs in again)
        this.#delete.run(row.key);
      }
    }
  }

  get(key: string): SessionRecord | undefined {
    return this.#memory.get(key);
  }

  put(record: SessionRecord): void {
    this.#memory.put(record);
    this.#write(record);
  }

  touch(key: string, lastSeenAt: number): void {
    const before = this.#memory.get(key)?.lastSeenAt;
    this.#memory.touch(key, lastSeenAt);
    if (before !== undefined && before !== this.#memory.get(key)?.lastSeenAt)
      this.#touch.run(lastSeenAt, key);
  }

  revoke(key: string, nowSeconds: number): number {
    const n = this.#memory.revoke(key, nowSeconds);
    if (n > 0) this.#write(this.#memory.get(key)!);
    return n;
  }

  revokeSubject(subject: string, issuer: string | undefined, nowSeconds: number): number {
    const n = this.#memory.revokeSubject(subject, issuer, nowSeconds);
    if (issuer === undefined) this.#revokeBySubject.run(nowSeconds, subject);
    else this.#revokeBySubjectIssuer.run(nowSeconds, subject, issuer);
    return n;
  }

  revokeSid(issuer: string, sid: string, nowSeconds: number): number {
    const n = this.#memory.revokeSid(issuer, sid, nowSeconds);
    this.#revokeBySid.run(nowSeconds, issuer, sid);
    return n;
  }

  sweep(nowSeconds: number, idleSeconds: number): number {
    const n = this.#memory.sweep(nowSeconds, idleSeconds);
    if (n > 0) {
      this.#db
        .prepare(
          'DELETE FROM gatehouse_sessions WHERE absolute_expires_at <= ? OR (revoked_at IS NULL AND last_seen_at <= ?)',
        )
        .run(nowSeconds, nowSeconds - idleSeconds);
    }
    return n;
  }

  count(): number {
    return this.#memory.count();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #write(r: SessionRecord): void {
    this.#upsert.run(
      r.key,
      r.issuer,
      r.subject,
      r.sid ?? null,
      JSON.stringify({
        email: r.email,
        groups: r.groups,
        claims: r.claims,
        authTime: r.authTime,
        acr: r.acr,
        amr: r.amr,
      }),
      r.createdAt,
      r.lastSeenAt,
      r.absoluteExpiresAt,
      r.tokensExpiresAt,
      r.sealed,
      r.version,
      r.revokedAt ?? null,
    );
  }
}

function fromRow(row: Row): SessionRecord {
  const data = JSON.parse(row.data) as {
    email?: string;
    groups?: string[];
    claims?: Record<string, unknown>;
    authTime?: number;
    acr?: string;
    amr?: string[];
  };
  return {
    key: row.key,
    issuer: row.issuer,
    subject: row.subject,
    ...(row.sid !== null ? { sid: row.sid } : {}),
    ...(data.email !== undefined ? { email: data.email } : {}),
    groups: Array.isArray(data.groups) ? data.groups : [],
    claims: data.claims && typeof data.claims === 'object' ? data.claims : {},
    ...(data.authTime !== undefined ? { authTime: data.authTime } : {}),
    ...(data.acr !== undefined ? { acr: data.acr } : {}),
    ...(data.amr !== undefined ? { amr: data.amr } : {}),
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    absoluteExpiresAt: Number(row.absolute_expires_at),
    tokensExpiresAt: Number(row.tokens_expires_at),
    sealed: row.sealed,
    version: Number(row.version),
    ...(row.revoked_at !== null ? { revokedAt: Number(row.revoked_at) } : {}),
  };
}
