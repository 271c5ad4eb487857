import { z } from 'zod';
import { SecretRef } from './secret-ref.ts';

/**
 * `identity.oidc`: the OpenID Connect provider people sign in with (single sign-on).
 * Gatehouse is the relying party: authorization code flow with PKCE, server-side sessions,
 * refresh, revocation and step-up. See docs/sso.md.
 *
 * Semantic checks a schema cannot express (secure cookies off only on loopback listeners,
 * redirect hosts) are in `oidcProblems`, run by the config loader after the schema.
 */

const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

/** Whether `url` is a usable issuer: https, or http on loopback when `allowInsecure`. */
export function isAllowedIssuer(url: string, allowInsecure: boolean): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password || parsed.hash || parsed.search) return false;
  if (parsed.protocol === 'https:') return true;
  return allowInsecure && parsed.protocol === 'http:' && LOOPBACK_HOST.test(parsed.hostname);
}

const HostPort = z
  .string()
  .max(260)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/,
    'expected a host name, optionally with a port, such as auth.example.com or auth.example.com:8443',
  );

const HostPattern = z
  .string()
  .max(253)
  .regex(
    /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'expected a host name such as app.example.com or a wildcard such as *.example.com',
  );

/** Authorization parameters Gatehouse sets itself: configuring them would weaken the flow. */
export const RESERVED_AUTH_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'request',
  'request_uri',
  'max_age',
  'acr_values',
]);

const Seconds = (min: number, max: number) => z.number().int().min(min).max(max);

const CookieSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected letters, digits, "_" or "-"')
      .default('gatehouse_session')
      .describe(
        'Session cookie name (default gatehouse_session). Gatehouse adds the __Host- prefix (secure, no domain) or __Secure- (secure, with domain)',
      ),
    domain: z
      .string()
      .max(253)
      .regex(
        /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/,
        'expected a parent domain such as example.com',
      )
      .optional()
      .describe(
        'Parent-domain mode: one cookie for every host under this domain (no __Host- prefix). Default: host-only cookies',
      ),
    secure: z
      .boolean()
      .default(true)
      .describe(
        'Secure cookies, sent over https only (default true). false is accepted only when every listener is plain http on a loopback address',
      ),
    sameSite: z
      .enum(['lax', 'strict'])
      .default('lax')
      .describe('SameSite attribute (default lax: a link from another site still arrives signed in)'),
  })
  .describe('The session cookie. It carries only an opaque random session id');

const SessionSchema = z
  .strictObject({
    absoluteSeconds: Seconds(60, 31 * 86_400)
      .default(12 * 3600)
      .describe('Longest session lifetime from sign-in, in seconds (default 43200 = 12 h)'),
    idleSeconds: Seconds(60, 31 * 86_400)
      .default(3600)
      .describe('A session unused this long ends, in seconds (default 3600 = 1 h)'),
    store: z
      .union([
        z.literal('memory'),
        z.strictObject({
          sqlite: z
            .strictObject({
              path: z.string().min(1).describe('Database file; created when missing'),
            })
            .describe('Persist sessions in SQLite (node:sqlite) so a restart keeps everyone signed in'),
        }),
      ])
      .default('memory')
      .describe('Where sessions live: memory (default) or { sqlite: { path } }'),
    maxSessions: z
      .number()
      .int()
      .min(1)
      .max(50_000_000)
      .default(1_000_000)
      .describe('Most live sessions held (default 1000000); new sign-ins are refused when full'),
  })
  .describe('Server-side sessions');

export const OidcSchema = z
  .strictObject({
    issuer: z
      .string()
      .max(2048)
      .describe('Issuer URL (https; discovery at <issuer>/.well-known/openid-configuration)'),
    clientId: z.string().min(1).max(1024).describe('Client id registered at the provider'),
    clientSecret: SecretRef.optional().describe(
      'Client secret by reference ({ file } or { env }). Omit for a public client (PKCE only)',
    ),
    clientAuth: z
      .enum(['client_secret_basic', 'client_secret_post'])
      .default('client_secret_basic')
      .describe('How the client secret is sent to the token endpoint (default client_secret_basic)'),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'expected a scope token'))
      .min(1)
      .max(64)
      .default(['openid', 'email', 'profile'])
      .refine((s) => s.includes('openid'), 'scopes must include openid')
      .describe(
        'Scopes requested at sign-in (default openid email profile). Add offline_access (Okta, Auth0), groups (Dex) as the provider needs',
      ),
    authParams: z
      .record(
        z
          .string()
          .regex(/^[a-z_]{1,64}$/)
          .refine((k) => !RESERVED_AUTH_PARAMS.has(k), 'this parameter is set by Gatehouse'),
        z.string().max(1024),
      )
      .default({})
      .describe('Extra authorization request parameters, e.g. { access_type: offline } for Google'),
    groupsClaim: z
      .string()
      .min(1)
      .max(256)
      .default('groups')
      .describe('Claim path holding the groups (dotted for nested, e.g. realm_access.roles); default groups'),
    userinfo: z
      .boolean()
      .default(false)
      .describe(
        'Also read claims from the userinfo endpoint at sign-in and refresh (default false: ID token claims only)',
      ),
    authHost: HostPort.optional().describe(
      'The one host that runs the callback (registered redirect URI https://<authHost>/.gatehouse/callback). ' +
        'Other hosts receive the session through a one-time hand-off. Default: every host runs its own callback',
    ),
    forceHttps: z
      .boolean()
      .default(false)
      .describe(
        'Build callback and redirect URLs with https even though the listener is plain http (TLS ends in front of Gatehouse). Default false',
      ),
    cookie: CookieSchema.default(() => CookieSchema.parse({})),
    session: SessionSchema.default(() => SessionSchema.parse({})),
    refreshBeforeSeconds: Seconds(0, 3600)
      .default(60)
      .describe('Refresh this many seconds before the tokens expire (default 60)'),
    allowedRedirectHosts: z
      .array(HostPattern)
      .max(10_000)
      .optional()
      .describe(
        'Hosts a browser may be sent to after sign-in or sign-out (exact or *.example.com). Default: the hosts of the routes',
      ),
    apiRoutes: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Route ids that are APIs: an unauthenticated request gets 401 JSON, never a redirect to sign in',
      ),
    loginTimeoutSeconds: Seconds(30, 3600)
      .default(600)
      .describe('How long a sign-in may take at the provider, in seconds (default 600)'),
    httpTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(10_000)
      .describe('Timeout of each request to the provider, in ms (default 10000)'),
    clockSkewSeconds: Seconds(0, 300)
      .default(30)
      .describe('Allowed clock difference when checking ID and logout tokens, in seconds (default 30)'),
    idTokenHint: z
      .boolean()
      .default(false)
      .describe(
        'Keep the ID token (sealed) to send id_token_hint at sign-out. Okta requires it; costs about 1 kB per session. Default false: client_id is sent',
      ),
    backchannelLogout: z
      .boolean()
      .default(true)
      .describe('Accept OIDC back-channel logout tokens at /.gatehouse/backchannel-logout (default true)'),
    allowInsecureIssuer: z
      .boolean()
      .default(false)
      .describe('Development only: accept a plain-http issuer on a loopback address (tests, gatehouse demo)'),
  })
  .superRefine((v, ctx) => {
    if (!isAllowedIssuer(v.issuer, v.allowInsecureIssuer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: v.allowInsecureIssuer
          ? 'expected an https:// issuer, or http:// on a loopback address, without query, fragment or credentials'
          : 'expected an https:// issuer URL without query, fragment or credentials (plain http only on loopback with allowInsecureIssuer)',
      });
    }
    if (v.session.idleSeconds > v.session.absoluteSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['session', 'idleSeconds'],
        message: 'idleSeconds must not exceed absoluteSeconds',
      });
    }
  })
  .describe('OpenID Connect single sign-on for people (docs/sso.md)');

export type OidcConfig = z.infer<typeof OidcSchema>;

interface ConfigShape {
  readonly listeners: readonly { readonly address: string; readonly tls?: unknown }[];
  readonly routes: readonly { readonly id?: string | undefined; readonly match: { readonly host: string } }[];
  readonly identity: { readonly oidc?: OidcConfig | undefined };
}

const LOOPBACK_ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/**
 * Checks across the config that the schema cannot express, each with its JSON pointer:
 * `cookie.secure: false` only when every listener is plain http on loopback; `apiRoutes`
 * name existing routes. `routeIds` are the effective ids (routeId()).
 */
export function oidcProblems(
  config: ConfigShape,
  routeIds: readonly string[],
): { severity: 'error' | 'warning'; pointer: string; message: string }[] {
  const oidc = config.identity.oidc;
  if (!oidc) return [];
  const out: { severity: 'error' | 'warning'; pointer: string; message: string }[] = [];
  if (!oidc.cookie.secure) {
    const unsafe = config.listeners.findIndex(
      (l) => l.tls !== undefined || !LOOPBACK_ADDRESS.test(l.address),
    );
    if (unsafe !== -1) {
      out.push({
        severity: 'error',
        pointer: '/identity/oidc/cookie/secure',
        message: `secure: false is accepted only when every listener is plain http on a loopback address; /listeners/${unsafe} is not`,
      });
    }
  }
  const ids = new Set(routeIds);
  oidc.apiRoutes.forEach((id, i) => {
    if (!ids.has(id))
      out.push({
        severity: 'error',
        pointer: `/identity/oidc/apiRoutes/${i}`,
        message: `unknown route id "${id}"`,
      });
  });
  if (oidc.cookie.domain && oidc.authHost) {
    const host = oidc.authHost.replace(/:\d+$/, '').toLowerCase();
    const domain = oidc.cookie.domain.toLowerCase();
    if (host !== domain && !host.endsWith(`.${domain}`)) {
      out.push({
        severity: 'error',
        pointer: '/identity/oidc/authHost',
        message: `authHost ${oidc.authHost} is not under the cookie domain ${oidc.cookie.domain}`,
      });
    }
  }
  return out;
}
