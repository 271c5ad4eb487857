import type { Config, OidcConfig } from '../config/index.ts';
import { prefixedName } from './cookies.ts';
import { type RedirectPolicy, redirectPolicy } from './redirect.ts';

/** Everything the room derives once from the config. */
export interface SsoSettings {
  readonly oidc: OidcConfig;
  /** Session cookie name, with its prefix (`__Host-gatehouse_session`). */
  readonly cookieName: string;
  /** The browser-binding cookie of sign-ins in progress (always host-only). */
  readonly loginCookieName: string;
  readonly cookieDomain: string | undefined;
  readonly secure: boolean;
  readonly sameSite: 'lax' | 'strict';
  readonly redirect: RedirectPolicy;
  /**
   * Hosts a session may be handed off to: the routes' hosts and the auth host, never merely
   * redirect-allowed ones (a hand-off code sent to a host Gatehouse does not serve is a session
   * given away).
   */
  readonly handoffHosts: RedirectPolicy;
  /** A route matches any host (`*`) and no redirect hosts are configured: every host is ours. */
  readonly anyHost: boolean;
  readonly apiRoutes: ReadonlySet<string>;
  /** `host[:port]`, lower-case, when one host runs every callback. */
  readonly authHost: string | undefined;
  /** Host-only cookies with an auth host: other hosts get the session by hand-off. */
  readonly handoff: boolean;
  /** Seconds between two writes of a session's last activity. */
  readonly touchIntervalSeconds: number;
  readonly scopes: string;
}

/** Derive settings; `config.identity.oidc` must be present. */
export function ssoSettings(config: Config): SsoSettings {
  const oidc = config.identity.oidc;
  if (!oidc) throw new Error('identity.oidc is not configured');
  const secure = oidc.cookie.secure;
  const domain = oidc.cookie.domain?.toLowerCase();
  const authHost = oidc.authHost?.toLowerCase();
  const hosts = [...(oidc.allowedRedirectHosts ?? config.routes.map((r) => r.match.host))];
  if (authHost) hosts.push(authHost.replace(/:\d+$/, ''));
  if (domain && !oidc.allowedRedirectHosts) hosts.push(`*.${domain}`, domain);
  const anyPlainHttp = config.listeners.some((l) => l.tls === undefined);
  return {
    oidc,
    cookieName: prefixedName(oidc.cookie.name, secure, domain),
    loginCookieName: prefixedName(`${oidc.cookie.name}_login`, secure, undefined),
    cookieDomain: domain,
    secure,
    sameSite: oidc.cookie.sameSite,
    redirect: redirectPolicy(hosts, anyPlainHttp && !oidc.forceHttps),
    handoffHosts: redirectPolicy(
      [...config.routes.map((r) => r.match.host), ...(authHost ? [authHost.replace(/:\d+$/, '')] : [])],
      anyPlainHttp && !oidc.forceHttps,
    ),
    anyHost: !oidc.allowedRedirectHosts && config.routes.some((r) => r.match.host === '*'),
    apiRoutes: new Set(oidc.apiRoutes),
    authHost,
    handoff: authHost !== undefined && domain === undefined,
    touchIntervalSeconds: Math.max(1, Math.min(60, Math.floor(oidc.session.idleSeconds / 10))),
    scopes: oidc.scopes.join(' '),
  };
}
