import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Config, resolveSecret } from '../config/index.ts';
import type { Engine } from '../decision/index.ts';
import type { Authenticator } from '../identity/index.ts';
import type { Decision, RequestInfo } from '../model/index.ts';
import { MemorySessionStore, type SessionStore, SqliteSessionStore } from '../state/index.ts';
import { type AdminGuard, revokeRoute } from './admin.ts';
import { backchannelHandler } from './backchannel.ts';
import { callbackHandler } from './callback.ts';
import { challenge, deniedPage } from './challenge.ts';
import { newPendingStores, type SsoContext } from './context.ts';
import { setsCookieOf, withoutCookies } from './cookies.ts';
import { handoffHandler } from './handoff.ts';
import { loginHandler } from './login.ts';
import { logoutHandler, signedOutHandler } from './logout.ts';
import { meHandler } from './me.ts';
import { ProviderClient } from './provider.ts';
import { createSessionAuthenticator } from './session-authenticator.ts';
import { Sessions } from './sessions.ts';
import { ssoSettings } from './settings.ts';

/** Same shape as src/server's ReservedHandler (the server room imports this room, not the reverse). */
export type SsoReservedHandler = (
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  engine: Engine,
) => void;
/** Same shape as src/server's AdminRoute. */
export type SsoAdminRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface SsoDeps {
  /** The clock, epoch seconds (default: the wall clock). */
  readonly nowSeconds?: () => number;
  /** The session store (default: from `identity.oidc.session.store`). */
  readonly store?: SessionStore;
  /** Guard for the admin revocation API (pass the server's admin-token check). Default: loopback peers only. */
  readonly authorizeAdmin?: AdminGuard;
  /** Sweep expired sessions every this many ms (default 60000; 0 disables the timer). */
  readonly sweepIntervalMs?: number;
}

export interface Sso {
  /** The session-cookie authenticator (put it first in the chain: a bad session never falls through). */
  readonly authenticator: Authenticator;
  /** `/.gatehouse/login`, `callback`, `handoff`, `logout`, `signed-out`, `me`, `backchannel-logout`. */
  readonly reserved: ReadonlyMap<string, SsoReservedHandler>;
  /** `/sessions/revoke` for the admin listener. */
  readonly adminRoutes: ReadonlyMap<string, SsoAdminRoute>;
  /**
   * For a decision that needs (re-)authentication, answer the client (redirect to sign in, or
   * API 401 JSON) and return true; false when the decision is not one (nothing written).
   */
  challenge(decision: Decision, info: RequestInfo, req: IncomingMessage, res: ServerResponse): boolean;
  /** The access-denied page for a signed-in person's navigation; false when not applicable. */
  deniedPage(decision: Decision, info: RequestInfo, req: IncomingMessage, res: ServerResponse): boolean;
  /** The Cookie header to send upstream: without Gatehouse's session and sign-in cookies. */
  filterCookie(value: string): string | undefined;
  /** Whether an upstream's `Set-Cookie` line may reach the client (false for Gatehouse's own cookies). */
  keepSetCookie(line: string): boolean;
  /** `challenge(...) || deniedPage(...)`: call before the generic deny response. */
  respond(decision: Decision, info: RequestInfo, req: IncomingMessage, res: ServerResponse): boolean;
  /** For tests and the demo: the internals. */
  readonly context: SsoContext;
  close(): void;
}

/** The session store the config asks for. */
export function storeFor(config: Config, nowSeconds: number): SessionStore {
  const session = config.identity.oidc!.session;
  if (session.store === 'memory') return new MemorySessionStore({ maxSessions: session.maxSessions });
  return new SqliteSessionStore({
    path: session.store.sqlite.path,
    maxSessions: session.maxSessions,
    nowSeconds,
  });
}

/**
 * Build the OIDC relying party for `config.identity.oidc`: the session authenticator, the
 * reserved endpoints, the admin revocation API and the challenge / denied-page responders.
 * The provider is discovered lazily (Gatehouse starts while it is down). Outlives engine
 * reloads: build it once, hand its authenticator to every engine.
 */
export function createSso(config: Config, deps: SsoDeps = {}): Sso {
  const settings = ssoSettings(config);
  const nowSeconds = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const oidc = settings.oidc;
  const secretRef = oidc.clientSecret;
  const provider = new ProviderClient({
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    clientSecret: secretRef ? () => resolveSecret(secretRef) : undefined,
    clientAuth: oidc.clientAuth,
    allowInsecure: oidc.allowInsecureIssuer,
    timeoutMs: oidc.httpTimeoutMs,
    clockSkewSeconds: oidc.clockSkewSeconds,
  });
  const ownsStore = deps.store === undefined;
  const store = deps.store ?? storeFor(config, nowSeconds());
  const sessions = new Sessions({ store, provider, settings });
  const ctx: SsoContext = { settings, sessions, provider, nowSeconds, ...newPendingStores() };

  const reserved = new Map<string, SsoReservedHandler>([
    ['/.gatehouse/login', loginHandler(ctx)],
    ['/.gatehouse/callback', callbackHandler(ctx)],
    ['/.gatehouse/handoff', handoffHandler(ctx)],
    ['/.gatehouse/logout', logoutHandler(ctx)],
    ['/.gatehouse/signed-out', signedOutHandler(ctx)],
    ['/.gatehouse/me', meHandler(ctx)],
    ['/.gatehouse/backchannel-logout', backchannelHandler(ctx)],
  ]);
  const adminRoutes = new Map<string, SsoAdminRoute>([
    ['/sessions/revoke', revokeRoute(ctx, deps.authorizeAdmin)],
  ]);

  const sweepMs = deps.sweepIntervalMs ?? 60_000;
  const timer =
    sweepMs > 0
      ? setInterval(() => {
          const now = nowSeconds();
          try {
            const r = store.sweep(now, oidc.session.idleSeconds);
            if (r instanceof Promise) r.catch(() => {});
          } catch {
            // a failing store is noticed by lookups (which deny)
          }
          ctx.logins.sweep(now);
          ctx.handoffs.sweep(now);
          ctx.handoffCodes.sweep(now);
          ctx.logouts.sweep(now);
        }, sweepMs)
      : undefined;
  timer?.unref();

  // Warm discovery in the background; failures are retried on demand.
  provider.configuration().catch(() => {});

  const ownCookies = new Set([settings.cookieName, settings.loginCookieName]);
  let closed = false;
  return {
    authenticator: createSessionAuthenticator(sessions),
    reserved,
    adminRoutes,
    challenge: (d, i, req, res) => challenge(ctx, d, i, req, res),
    deniedPage: (d, i, req, res) => deniedPage(ctx, d, i, req, res),
    respond: (d, i, req, res) => challenge(ctx, d, i, req, res) || deniedPage(ctx, d, i, req, res),
    filterCookie: (value) => withoutCookies(value, ownCookies),
    keepSetCookie: (line) => !setsCookieOf(line, ownCookies),
    context: ctx,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (ownsStore) store.close();
    },
  };
}
