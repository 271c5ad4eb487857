import type { Principal, Reason, RequestInfo } from '../model/index.ts';

/**
 * What an authenticator says about a request:
 * - `not-mine`: no credential of my kind is present; the next authenticator tries.
 * - `authenticated`: the credential is valid; here is who the caller is.
 * - `denied`: a credential of my kind is present but bad; the request is denied with `reason`
 *   (no other authenticator is tried: a bad credential never falls through to a weaker one).
 */
export type AuthnResult =
  | { readonly status: 'not-mine' }
  | { readonly status: 'authenticated'; readonly principal: Principal }
  | { readonly status: 'denied'; readonly reason: Reason; readonly detail?: string };

export const NOT_MINE: AuthnResult = Object.freeze({ status: 'not-mine' });

/**
 * The one interface every authenticator implements (session cookie, bearer JWT, client
 * certificate). Returns synchronously when it can (warm caches) so the hot path stays cheap.
 * It must never throw: anything unexpected becomes `denied` with `internal-error`.
 */
export interface Authenticator {
  /** Stable name used in traces and the audit log, e.g. `jwt`, `mtls`, `session`. */
  readonly name: string;
  /** `nowSeconds` is injected so tests control the clock. */
  authenticate(request: RequestInfo, nowSeconds: number): AuthnResult | Promise<AuthnResult>;
  /** Release timers, watchers and sockets when a config snapshot is retired. */
  close?(): void;
}
