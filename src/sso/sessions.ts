import { deepFreeze } from '../config/index.ts';
import type { Principal, Reason } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import type { SessionRecord, SessionStore } from '../state/index.ts';
import { groupsFrom, keptClaims, numberClaim, stringClaim, stringsClaim, verifiedEmail } from './claims.ts';
import { readCookie } from './cookies.ts';
import { IdpError, type ProviderClient, type TokenSet } from './provider.ts';
import { seal, unseal } from './seal.ts';
import { isSessionId, newSessionId, sessionKey } from './session-id.ts';
import type { SsoSettings } from './settings.ts';

/**
 * Sessions: find the session of a request (sync from the store when it can), check its
 * absolute and idle limits and revocation, refresh its tokens before they expire — one
 * refresh per session at a time, shared by every request that needs it — and create,
 * rotate and end sessions.
 */

export type Lookup =
  | { readonly status: 'absent' }
  | {
      readonly status: 'valid';
      readonly id: string;
      readonly record: SessionRecord;
      readonly principal: Principal;
    }
  | { readonly status: 'denied'; readonly reason: Reason; readonly detail?: string };

const ABSENT: Lookup = Object.freeze({ status: 'absent' });

function denied(reason: Reason, detail?: string): Lookup {
  return detail ? { status: 'denied', reason, detail } : { status: 'denied', reason };
}

export interface SessionsDeps {
  readonly store: SessionStore;
  readonly provider: ProviderClient;
  readonly settings: SsoSettings;
}

/** Most principals kept built (each is rebuilt from its record on a miss: a JSON parse). */
const PRINCIPAL_CACHE = 10_000;

/** Default token lifetime when the provider gives neither expires_in nor an ID token lifetime. */
const DEFAULT_TOKEN_SECONDS = 300;

export class Sessions {
  readonly #store: SessionStore;
  readonly #provider: ProviderClient;
  readonly #s: SsoSettings;
  readonly #inflight = new Map<string, Promise<Lookup>>();
  /** Principals of recently built sessions, by store key; bounded, oldest first out (a hit never reorders the map). */
  readonly #principals = new Map<string, { readonly record: SessionRecord; readonly principal: Principal }>();

  constructor(deps: SessionsDeps) {
    this.#store = deps.store;
    this.#provider = deps.provider;
    this.#s = deps.settings;
  }

  get store(): SessionStore {
    return this.#store;
  }

  /** Refreshes in progress (for tests and metrics). */
  get refreshing(): number {
    return this.#inflight.size;
  }

  /** The well-formed session id in a Cookie header, if exactly one is present. */
  idFrom(cookieHeader: unknown): string | undefined {
    const c = readCookie(cookieHeader, this.#s.cookieName);
    return c.status === 'one' && isSessionId(c.value) ? c.value : undefined;
  }

  /** Find and check the session a Cookie header names. Never throws; a store failure denies. */
  lookup(cookieHeader: unknown, nowSeconds: number): Lookup | Promise<Lookup> {
    nowSeconds = Math.floor(nowSeconds);
    const c = readCookie(cookieHeader, this.#s.cookieName);
    if (c.status === 'absent') return ABSENT;
    if (c.status === 'ambiguous') return denied('session-invalid', 'more than one session cookie');
    if (!isSessionId(c.value)) return denied('session-invalid', 'malformed session cookie');
    const id = c.value;
    const key = sessionKey(id);
    let found: SessionRecord | undefined | Promise<SessionRecord | undefined>;
    try {
      found = this.#store.get(key);
    } catch (err) {
      return denied('session-store-unavailable', describe(err));
    }
    if (found instanceof Promise) {
      return found.then(
        (r) => this.#check(id, r, nowSeconds),
        (err: unknown) => denied('session-store-unavailable', describe(err)),
      );
    }
    return this.#check(id, found, nowSeconds);
  }

  #check(id: string, r: SessionRecord | undefined, now: number): Lookup | Promise<Lookup> {
    if (!r) return denied('session-invalid', 'unknown session');
    if (r.revokedAt !== undefined) return denied('session-revoked');
    if (now >= r.absoluteExpiresAt) return denied('session-expired', 'absolute lifetime reached');
    if (now - r.lastSeenAt >= this.#s.oidc.session.idleSeconds) {
      return denied('session-expired', 'idle timeout');
    }
    if (now >= r.tokensExpiresAt) {
      // A caller may join a refresh another request started earlier: record its own activity.
      return this.refresh(id, r, now).then((l) => {
        if (l.status === 'valid') this.#touch(l.record, now);
        return l;
      });
    }
    if (now >= r.tokensExpiresAt - this.#s.oidc.refreshBeforeSeconds) {
      // Tokens still valid: answer now, refresh in the background (the next request sees it).
      void this.refresh(id, r, now);
    }
    this.#touch(r, now);
    return { status: 'valid', id, record: r, principal: this.principal(r) };
  }

  #touch(r: SessionRecord, now: number): void {
    if (now - r.lastSeenAt < this.#s.touchIntervalSeconds) return;
    try {
      const t = this.#store.touch(r.key, now);
      if (t instanceof Promise) t.catch(() => {});
    } catch {
      // losing one activity mark only shortens the idle window
    }
  }

  /** The principal of a session record (built once per record version, then cached). */
  principal(r: SessionRecord): Principal {
    const cached = this.#principals.get(r.key);
    if (cached && cached.record === r) return cached.principal;
    {
      const p = deepFreeze({
        kind: 'user',
        method: 'session',
        subject: r.subject,
        issuer: r.issuer,
        groups: [...r.groups],
        // A store hands out fresh claims objects per read (they are frozen here, in place).
        claims: r.claims as Record<string, unknown>,
        ...(r.email !== undefined ? { email: r.email } : {}),
        ...(r.authTime !== undefined ? { authTime: r.authTime } : {}),
        ...(r.acr !== undefined ? { acr: r.acr } : {}),
        ...(r.amr !== undefined ? { amr: [...r.amr] } : {}),
        expiresAt: r.absoluteExpiresAt,
        source: 'oidc',
      } satisfies Principal) as Principal;
      this.#principals.delete(r.key);
      this.#principals.set(r.key, { record: r, principal: p });
      if (this.#principals.size > PRINCIPAL_CACHE) {
        this.#principals.delete(this.#principals.keys().next().value!);
      }
      return p;
    }
  }

  /**
   * Refresh a session's tokens. Concurrent callers for one session share one refresh (a
   * rotating refresh token is used exactly once). Success updates groups and claims; any
   * failure ends the session.
   */
  refresh(id: string, r: SessionRecord, now: number): Promise<Lookup> {
    let p = this.#inflight.get(r.key);
    if (!p) {
      p = this.#refresh(id, r, now).finally(() => this.#inflight.delete(r.key));
      this.#inflight.set(r.key, p);
    }
    return p;
  }

  async #refresh(id: string, r: SessionRecord, now: number): Promise<Lookup> {
    const tokens = unseal(id, r.sealed);
    if (!tokens?.refreshToken) {
      await this.#end(r, now, 'refresh-failed', 'no refresh token');
      return denied('session-expired', 'tokens expired and no refresh token');
    }
    try {
      const config = await this.#provider.configuration();
      const fresh = await this.#provider.refresh(config, tokens.refreshToken);
      if (fresh.claims && fresh.claims.sub !== r.subject) {
        throw new IdpError('invalid', 'refresh: the ID token names another subject');
      }
      let claims = fresh.claims;
      if (this.#s.oidc.userinfo) {
        const info = await this.#provider.userinfo(config, fresh.accessToken, r.subject);
        claims = { ...(claims ?? r.claims), ...info };
      }
      const current = await this.#store.get(r.key);
      if (!current || current.revokedAt !== undefined) return denied('session-revoked');
      const next = this.#record(id, r.key, fresh, claims, now, current, tokens);
      await this.#store.put(next);
      publish.session({ type: 'refresh', subject: r.subject, issuer: r.issuer, session: r.key.slice(0, 8) });
      return { status: 'valid', id, record: next, principal: this.principal(next) };
    } catch (err) {
      const detail =
        err instanceof IdpError ? `${err.kind}${err.oauthError ? ` ${err.oauthError}` : ''}` : 'error';
      await this.#end(r, now, 'refresh-failed', detail);
      return denied('session-refresh-failed', describe(err));
    }
  }

  async #end(r: SessionRecord, now: number, type: 'refresh-failed', detail: string): Promise<void> {
    try {
      await this.#store.revoke(r.key, now);
    } catch {
      // the store is failing: the session cannot be used anyway
    }
    publish.session({ type, subject: r.subject, issuer: r.issuer, session: r.key.slice(0, 8), detail });
  }

  /**
   * Start a new session from a completed sign-in: a fresh random id (never one the browser
   * sent: rotation at sign-in). Throws when the store refuses (full, failing).
   */
  async create(
    tokens: TokenSet,
    claims: Readonly<Record<string, unknown>>,
    now: number,
  ): Promise<{ id: string; record: SessionRecord }> {
    const { id, key } = newSessionId();
    const record = this.#record(id, key, tokens, claims, now, undefined, undefined);
    await this.#store.put(record);
    publish.session({
      type: 'login',
      subject: record.subject,
      issuer: record.issuer,
      session: key.slice(0, 8),
    });
    return { id, record };
  }

  /** End the session of `id` (sign-out). Returns the record it ended, if any. */
  async revokeId(
    id: string,
    now: number,
    type: 'logout' | 'revoke' = 'logout',
  ): Promise<SessionRecord | undefined> {
    const key = sessionKey(id);
    const r = await this.#store.get(key);
    const n = await this.#store.revoke(key, now);
    if (r && n > 0) publish.session({ type, subject: r.subject, issuer: r.issuer, session: key.slice(0, 8) });
    return n > 0 ? r : undefined;
  }

  /** The sealed tokens of a session (for id_token_hint at sign-out). */
  tokensOf(id: string, r: SessionRecord) {
    return unseal(id, r.sealed);
  }

  #record(
    id: string,
    key: string,
    t: TokenSet,
    claims: Readonly<Record<string, unknown>> | undefined,
    now: number,
    prior: SessionRecord | undefined,
    priorTokens: ReturnType<typeof unseal>,
  ): SessionRecord {
    const o = this.#s.oidc;
    const c = claims ?? prior?.claims ?? {};
    const issuer = stringClaim(c, 'iss') ?? prior?.issuer;
    const subject = stringClaim(c, 'sub') ?? prior?.subject;
    if (!issuer || !subject) throw new IdpError('invalid', 'the ID token has no iss or sub');
    const absoluteExpiresAt = prior?.absoluteExpiresAt ?? now + o.session.absoluteSeconds;
    const iat = numberClaim(c, 'iat');
    const exp = numberClaim(c, 'exp');
    const lifetime =
      t.expiresIn ?? (claims && iat !== undefined && exp !== undefined ? exp - iat : DEFAULT_TOKEN_SECONDS);
    const sid = stringClaim(c, 'sid') ?? prior?.sid;
    const email = verifiedEmail(c);
    // an auth_time in the future (a provider bug or a forged freshness) never outlives the sign-in
    const claimedAuthTime = numberClaim(c, 'auth_time');
    const authTime =
      claimedAuthTime !== undefined ? Math.min(claimedAuthTime, iat ?? now, now) : prior?.authTime;
    const acr = stringClaim(c, 'acr') ?? prior?.acr;
    const amr = stringsClaim(c, 'amr') ?? prior?.amr;
    const sealed = seal(id, {
      refreshToken: t.refreshToken ?? priorTokens?.refreshToken,
      // Only when sign-out needs id_token_hint: an ID token triples a session's memory.
      ...(o.idTokenHint ? { idToken: t.idToken ?? priorTokens?.idToken } : {}),
      ...(o.userinfo ? { accessToken: t.accessToken } : {}),
    });
    return {
      key,
      issuer,
      subject,
      ...(sid !== undefined ? { sid } : {}),
      ...(email !== undefined ? { email } : {}),
      groups: claims ? groupsFrom(c, o.groupsClaim) : (prior?.groups ?? []),
      claims: claims ? keptClaims(c) : (prior?.claims ?? {}),
      ...(authTime !== undefined ? { authTime } : {}),
      ...(acr !== undefined ? { acr } : {}),
      ...(amr !== undefined ? { amr } : {}),
      createdAt: prior?.createdAt ?? now,
      lastSeenAt: Math.max(now, prior?.lastSeenAt ?? now),
      absoluteExpiresAt,
      tokensExpiresAt: Math.min(absoluteExpiresAt, now + Math.max(0, lifetime)),
      sealed,
      version: (prior?.version ?? 0) + 1,
    };
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
