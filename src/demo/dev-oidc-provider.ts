import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';

/**
 * A DEVELOPMENT-ONLY OpenID provider for `gatehouse demo` and the tests: oidc-provider 9 on
 * loopback, with fixed users whose passwords are printed on its login page. Authorization
 * code + PKCE, refresh tokens with rotation (reuse revokes the grant), RP-initiated and
 * back-channel logout, acr/amr/auth_time for step-up, short configurable token lifetimes.
 *
 * Never use it for anything real: passwords are public, keys are generated at start-up and
 * everything lives in memory.
 */

export interface DevUser {
  readonly password: string;
  readonly email: string;
  readonly name: string;
  groups: string[];
}

/** Dev-only users. Mutable groups so tests can change them and watch a refresh pick it up. */
export function devUsers(): Map<string, DevUser> {
  return new Map([
    [
      'alice',
      { password: 'alice-dev-password', email: 'alice@example.com', name: 'Alice', groups: ['engineering'] },
    ],
    ['bob', { password: 'bob-dev-password', email: 'bob@example.com', name: 'Bob', groups: ['admins'] }],
  ]);
}

/** The one-time code the login page accepts for a second factor (development only). */
export const DEV_OTP = '123456';
export const ACR_PASSWORD = 'urn:gatehouse:dev:pwd';
export const ACR_MFA = 'urn:gatehouse:dev:mfa';

export interface DevClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  readonly backchannelLogoutUri?: string;
}

export interface DevProviderOptions {
  /** Port on 127.0.0.1 (default 0: a free one). */
  readonly port?: number;
  readonly clients: readonly DevClient[];
  /** Access token lifetime in seconds (default 300). Short values exercise refresh. */
  readonly accessTokenTtlSeconds?: number;
  /** ID token lifetime in seconds (default 3600). */
  readonly idTokenTtlSeconds?: number;
  readonly users?: Map<string, DevUser>;
}

export interface DevProvider {
  readonly issuer: string;
  readonly port: number;
  readonly users: Map<string, DevUser>;
  /** Token endpoint calls by grant type (tests count refreshes). */
  readonly grants: { authorization_code: number; refresh_token: number; refresh_failed: number };
  /** Send back-channel logout tokens for every provider session of `accountId`. */
  backchannelLogout(accountId: string): Promise<number>;
  close(): Promise<void>;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}' +
  '.dev{background:#fff3cd;border:2px solid #b58100;padding:.5rem 1rem;font-weight:600}label{display:block;margin-top:.8rem}' +
  'input{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}button{font:inherit;margin-top:1rem;padding:.4rem 1rem}' +
  'table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2rem .5rem;text-align:left}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} (development only)</title><style>${STYLE}</style></head><body><main>
<p class="dev" role="note">DEVELOPMENT ONLY identity provider: passwords are public. Never use it for real accounts.</p>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 16_384) req.destroy();
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

/** Start the development provider on 127.0.0.1. */
export async function startDevOidcProvider(options: DevProviderOptions): Promise<DevProvider> {
  const { default: Provider } = await import('oidc-provider');
  const users = options.users ?? devUsers();
  const grants = { authorization_code: 0, refresh_token: 0, refresh_failed: 0 };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = {
    ...(await exportJWK(privateKey)),
    kid: `dev-${randomBytes(4).toString('hex')}`,
    use: 'sig',
    alg: 'RS256',
  };
  const sidsByAccount = new Map<string, Set<string>>();

  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [...c.redirectUris],
      post_logout_redirect_uris: [...(c.postLogoutRedirectUris ?? [])],
      ...(c.backchannelLogoutUri
        ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true }
        : {}),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      require_auth_time: true,
      default_acr_values: [ACR_PASSWORD],
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub', 'groups', 'acr', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    conformIdTokenClaims: false,
    // Development only: back-channel logout calls go to Gatehouse on loopback, which
    // oidc-provider's SSRF guard (special-use addresses) would refuse.
    fetch: (url: string, init: RequestInit & { dispatcher?: unknown }) => {
      const { dispatcher: _ssrfGuard, ...rest } = init;
      return globalThis.fetch(url, rest);
    },
    acrValues: [ACR_PASSWORD, ACR_MFA],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: { body: string }, form: string) => {
          ctx.body = page(
            'Sign out of the development provider?',
            `${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`,
          );
        },
        postLogoutSuccessSource: (ctx: { body: string }) => {
          ctx.body = page('Signed out', '<p>You are signed out of the development provider.</p>');
        },
      },
    },
    renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<p><code>${escapeHtml(out.error ?? 'error')}</code></p>`);
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 300,
      IdToken: options.idTokenTtlSeconds ?? 3600,
      RefreshToken: 86_400,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
    },
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    findAccount: (_ctx: unknown, sub: string) => {
      const u = users.get(sub);
      if (!u) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: u.email,
          email_verified: true,
          name: u.name,
          preferred_username: sub,
          groups: [...u.groups],
        }),
      };
    },
    loadExistingGrant: async (ctx: {
      oidc: {
        client: { clientId: string };
        session: { accountId: string; grantIdFor(id: string): string | undefined };
        result?: { consent?: { grantId?: string } };
        requestParamScopes: Set<string>;
        requestParamClaims: Set<string>;
        provider: {
          Grant: {
            new (i: object): import('oidc-provider').Grant;
            find(id: string): Promise<import('oidc-provider').Grant | undefined>;
          };
        };
      };
    }) => {
      // First-party development clients: consent is implied; the grant follows what is asked.
      const o = ctx.oidc;
      const id = o.result?.consent?.grantId ?? o.session.grantIdFor(o.client.clientId);
      const grant =
        (id ? await o.provider.Grant.find(id) : undefined) ??
        new o.provider.Grant({ accountId: o.session.accountId, clientId: o.client.clientId });
      grant.addOIDCScope([...o.requestParamScopes].join(' '));
      if (o.requestParamClaims.size) grant.addOIDCClaims([...o.requestParamClaims]);
      await grant.save();
      return grant;
    },
  });

  provider.on('grant.success', (ctx: { oidc?: { params?: { grant_type?: string } } }) => {
    const type = ctx.oidc?.params?.grant_type;
    if (type === 'authorization_code' || type === 'refresh_token') grants[type]++;
  });
  provider.on('grant.error', (ctx: { oidc?: { params?: { grant_type?: string } } }) => {
    if (ctx.oidc?.params?.grant_type === 'refresh_token') grants.refresh_failed++;
  });
  provider.on(
    'authorization.success',
    (ctx: {
      oidc: {
        session?: { accountId?: string; sidFor(c: string): string | undefined };
        client?: { clientId: string };
      };
    }) => {
      const s = ctx.oidc.session;
      const clientId = ctx.oidc.client?.clientId;
      const sid = s && clientId ? s.sidFor(clientId) : undefined;
      if (s?.accountId && sid) {
        const set = sidsByAccount.get(s.accountId) ?? new Set<string>();
        set.add(sid);
        sidsByAccount.set(s.accountId, set);
      }
    },
  );

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(url.pathname);
    if (!m) {
      callback(req, res);
      return;
    }
    interaction(req, res, m[2] !== undefined).catch(() => {
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          page(
            'Sign-in failed',
            '<p>This sign-in request is no longer valid. Start again from the application.</p>',
          ),
        );
      }
    });
  });

  async function interaction(req: IncomingMessage, res: ServerResponse, submit: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const acrValues = String(details.params.acr_values ?? '').split(' ');
    const needsOtp = acrValues.includes(ACR_MFA);
    if (details.prompt.name !== 'login') {
      // consent: first-party development client, granted as asked.
      await provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
      return;
    }
    let error = '';
    if (submit && req.method === 'POST') {
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      const user = users.get(username);
      const otp = form.get('otp') ?? '';
      if (!user || form.get('password') !== user.password) error = 'Unknown user or wrong password.';
      else if (otp && otp !== DEV_OTP) error = 'Wrong one-time code.';
      else if (needsOtp && !otp) error = 'This sign-in requires the one-time code.';
      else {
        const mfa = otp === DEV_OTP;
        await provider.interactionFinished(
          req,
          res,
          {
            login: {
              accountId: username,
              acr: mfa ? ACR_MFA : ACR_PASSWORD,
              amr: mfa ? ['pwd', 'otp'] : ['pwd'],
              remember: false,
            },
          },
          { mergeWithLastSubmission: false },
        );
        return;
      }
    }
    const rows = [...users.entries()]
      .map(
        ([name, u]) =>
          `<tr><td><code>${escapeHtml(name)}</code></td><td><code>${escapeHtml(u.password)}</code></td><td>${escapeHtml(u.groups.join(', '))}</td></tr>`,
      )
      .join('');
    const html = page(
      'Sign in',
      `${error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : ''}
<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">One-time code${needsOtp ? ' (required for this sign-in)' : ' (optional: gives a stronger sign-in)'}</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code"${needsOtp ? ' required' : ''}>
<button type="submit">Sign in</button>
</form>
<h2>Development users</h2>
<table><thead><tr><th>User</th><th>Password</th><th>Groups</th></tr></thead><tbody>${rows}</tbody></table>
<p>One-time code: <code>${DEV_OTP}</code></p>`,
    );
    res.writeHead(error ? 401 : 200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(html);
  }

  return {
    issuer,
    port,
    users,
    grants,
    async backchannelLogout(accountId: string): Promise<number> {
      let n = 0;
      for (const c of options.clients) {
        const client = await provider.Client.find(c.clientId);
        if (!client || !c.backchannelLogoutUri) continue;
        for (const sid of sidsByAccount.get(accountId) ?? []) {
          await client.backchannelLogout(accountId, sid);
          n++;
        }
      }
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
