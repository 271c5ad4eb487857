/**
 * An SSO stack for tests: the development OIDC provider and Gatehouse (in-process, with
 * the policy and the session authenticator wired) in front of an echo upstream, all on
 * 127.0.0.1, plus a cookie-jar HTTP client that can sign in without a browser.
 *
 * Hosts are *.localhost names (Chromium resolves them to loopback; the Node client connects
 * to 127.0.0.1 and sends the Host header).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { loadConfigText } from '../../src/config/index.ts';
import { type DevProvider, startDevOidcProvider } from '../../src/demo/dev-oidc-provider.ts';
import { Gateway } from '../../src/server/index.ts';
import { engineParts } from '../../src/server/parts.ts';
import { createSso, type Sso } from '../../src/sso/index.ts';
import type { SessionStore } from '../../src/state/index.ts';
import { deadPort } from './raw-http.ts';
import { startEchoUpstream, testLogger, type Upstream } from './servers.ts';

export const CLIENT_ID = 'gatehouse-test';
export const APP = 'app.localhost';
export const ADMIN = 'admin.localhost';
export const AUTH = 'auth.localhost';

export interface TestClock {
  /** Seconds added to the wall clock. */
  offset: number;
  now(): number;
}

export interface SsoStack {
  readonly idp: DevProvider;
  /** Logout tokens the provider sent (they pass through a recorder on their way to Gatehouse). */
  readonly logoutTokens: string[];
  readonly gateway: Gateway;
  readonly sso: Sso;
  readonly upstream: Upstream;
  readonly clock: TestClock;
  readonly port: number;
  readonly adminUrl: string;
  /** `http://HOST:PORT` of Gatehouse for `host`. */
  origin(host: string): string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Extra keys for identity.oidc. */
  readonly oidc?: Record<string, unknown>;
  readonly accessTokenTtlSeconds?: number;
  readonly store?: SessionStore;
  /** Gatehouse port (default: a free one). */
  readonly port?: number;
  /** Reuse an identity provider (restart tests). */
  readonly idp?: DevProvider;
  readonly upstream?: Upstream;
}

/** The policy every SSO test uses: alice (engineering) gets the app, bob (admins) gets both. */
export function stackConfig(
  idpIssuer: string,
  port: number,
  upstream: string,
  secretFile: string,
  oidc: Record<string, unknown> = {},
) {
  return {
    listeners: [{ name: 'web', port }],
    admin: { port: 0 },
    audit: { output: { file: '/dev/null' } },
    identity: {
      oidc: {
        issuer: idpIssuer,
        clientId: CLIENT_ID,
        clientSecret: { file: secretFile },
        allowInsecureIssuer: true,
        apiRoutes: ['api'],
        ...oidc,
      },
    },
    policies: {
      staff: { allow: [{ groups: { anyOf: ['engineering', 'admins'] } }] },
      admins: { allow: [{ groups: { anyOf: ['admins'] } }] },
    },
    routes: [
      { id: 'public', match: { host: APP, path: '/public' }, upstream, public: true },
      { id: 'api', match: { host: APP, path: '/api' }, upstream, policy: 'staff' },
      {
        id: 'sensitive',
        match: { host: APP, path: '/sensitive' },
        upstream,
        policy: {
          allow: [
            {
              id: 'step-up',
              groups: { anyOf: ['engineering', 'admins'] },
              challenge: { maxAgeSeconds: 300, acr: ['urn:gatehouse:dev:mfa'] },
            },
          ],
        },
      },
      { id: 'app', match: { host: APP, path: '/' }, upstream, policy: 'staff' },
      { id: 'admin', match: { host: ADMIN, path: '/' }, upstream, policy: 'admins' },
      { id: 'auth', match: { host: AUTH, path: '/' }, upstream, policy: 'staff' },
    ],
  };
}

export async function startSsoStack(o: StackOptions = {}): Promise<SsoStack> {
  const port = o.port ?? (await deadPort());
  const origin = (host: string) => `http://${host}:${port}`;
  const hosts = [APP, ADMIN, AUTH, '127.0.0.1'];
  const secret = 'test-client-secret-0123456789';
  const logoutTokens: string[] = [];
  const recorder = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', async () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (token) logoutTokens.push(token);
      const r = await request(`http://127.0.0.1:${port}/.gatehouse/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type'] ?? '') },
        body,
      }).catch(() => undefined);
      res.writeHead(r?.statusCode ?? 502, { 'content-length': 0 });
      res.end();
      await r?.body.dump();
    });
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  const recorderPort = (recorder.address() as AddressInfo).port;
  const idp =
    o.idp ??
    (await startDevOidcProvider({
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: secret,
          redirectUris: hosts.map((h) => `${origin(h)}/.gatehouse/callback`),
          postLogoutRedirectUris: hosts.map((h) => `${origin(h)}/.gatehouse/signed-out`),
          backchannelLogoutUri: `http://127.0.0.1:${recorderPort}/backchannel`,
        },
      ],
      ...(o.accessTokenTtlSeconds !== undefined ? { accessTokenTtlSeconds: o.accessTokenTtlSeconds } : {}),
    }));
  const upstream = o.upstream ?? (await startEchoUpstream());
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sso-'));
  const secretFile = join(dir, 'client-secret');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const config = stackConfig(idp.issuer, port, upstream.url, secretFile, o.oidc);
  const text = stringify(config);
  const loaded = loadConfigText(text);
  if (!loaded.ok) throw new Error(`bad test config: ${JSON.stringify(loaded.problems)}`);
  const clock: TestClock = { offset: 0, now: () => Math.floor(Date.now() / 1000) + clock.offset };
  const sso = createSso(loaded.config, {
    nowSeconds: clock.now,
    ...(o.store ? { store: o.store } : {}),
    sweepIntervalMs: 0,
  });
  const gateway = await Gateway.start({
    configText: text,
    logger: testLogger,
    parts: engineParts(),
    watch: false,
    nowSeconds: clock.now,
    sso,
  });
  return {
    idp,
    logoutTokens,
    gateway,
    sso,
    upstream,
    clock,
    port,
    adminUrl: `http://127.0.0.1:${gateway.adminPort}`,
    origin,
    async close() {
      await gateway.shutdown(500);
      sso.close();
      if (!o.upstream) await upstream.close();
      if (!o.idp) await idp.close();
      recorder.closeAllConnections();
      await new Promise<void>((r) => recorder.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A cookie jar keyed by host name (ports ignored, as browsers do); Domain cookies match sub-domains. */
export class CookieJar {
  readonly #cookies = new Map<string, { value: string; domain?: string; host: string }>();

  /** The Cookie header for `url`. */
  header(url: URL): string {
    const host = url.hostname;
    const out: string[] = [];
    for (const [key, c] of this.#cookies) {
      const name = key.split('\n')[1]!;
      const matches = c.domain ? host === c.domain || host.endsWith(`.${c.domain}`) : host === c.host;
      if (matches) out.push(`${name}=${c.value}`);
    }
    return out.join('; ');
  }

  store(url: URL, setCookie: string | string[] | undefined): void {
    for (const line of setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const domain = attrs
        .find((a) => /^domain=/i.test(a))
        ?.slice(7)
        .toLowerCase();
      const maxAge = attrs.find((a) => /^max-age=/i.test(a));
      const key = `${domain ?? url.hostname}\n${name}`;
      if (maxAge && Number(maxAge.slice(8)) <= 0) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, host: url.hostname, ...(domain ? { domain } : {}) });
    }
  }

  /** The value of cookie `name` for `host`, if any. */
  get(host: string, name: string): string | undefined {
    return this.#cookies.get(`${host}\n${name}`)?.value;
  }

  set(host: string, name: string, value: string): void {
    this.#cookies.set(`${host}\n${name}`, { value, host });
  }

  delete(host: string, name: string): void {
    this.#cookies.delete(`${host}\n${name}`);
  }
}

export interface HttpResult {
  readonly status: number;
  readonly url: URL;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly location?: string;
  readonly setCookie: string[];
}

/** One request to 127.0.0.1 with the URL's host as Host header; cookies from and to `jar`. No redirects followed. */
export async function send(
  jar: CookieJar,
  url: string | URL,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const cookie = jar.header(u);
  const res = await request(`http://127.0.0.1:${u.port || 80}${u.pathname}${u.search}`, {
    method: (o.method ?? 'GET') as 'GET',
    headers: {
      host: u.host,
      ...(cookie ? { cookie } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  const body = await res.body.text();
  const raw = res.headers['set-cookie'];
  const setCookie = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  jar.store(u, setCookie);
  const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
  return {
    status: res.statusCode,
    url: u,
    headers: res.headers as HttpResult['headers'],
    body,
    setCookie,
    ...(location ? { location: new URL(location, u).href } : {}),
  };
}

/** The session cookie's name on a host-only (`__Host-`) deployment, as the SSO tests configure it. */
export const SESSION = '__Host-gatehouse_session';

/** Request headers of an API client (JSON answers, never a redirect to sign in). */
export const JSON_API = { accept: 'application/json' };

/** Request headers of a browser navigation (redirects to sign in). */
export const NAVIGATE = {
  accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
};

/** Follow redirects from `url`; signs in at the provider's page when it appears. Returns the last response. */
export async function browse(
  jar: CookieJar,
  url: string,
  o: { user?: string; password?: string; otp?: string; maxHops?: number; trail?: string[] } = {},
): Promise<HttpResult> {
  let current: string = url;
  const hops = o.maxHops ?? 15;
  for (let hop = 0; hop < hops; hop++) {
    o.trail?.push(current);
    const r = await send(jar, current, { headers: NAVIGATE });
    if (r.status >= 300 && r.status < 400 && r.location) {
      // With an explicit hop budget, the caller steps through the flow itself.
      if (o.maxHops !== undefined && hop === hops - 1) return r;
      current = r.location;
      continue;
    }
    const form = /<form method="post" action="(\/interaction\/[^"]+\/login)"/.exec(r.body);
    if (form && o.user) {
      const action = new URL(form[1]!, r.url).href;
      const body = new URLSearchParams({
        username: o.user,
        password: o.password ?? `${o.user}-dev-password`,
        ...(o.otp ? { otp: o.otp } : {}),
      }).toString();
      const posted = await send(jar, action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      if (!posted.location || (o.maxHops !== undefined && hop === hops - 1)) return posted;
      current = posted.location;
      continue;
    }
    return r;
  }
  throw new Error(`too many redirects from ${url}`);
}

/** Sign `user` in through `host` without a browser; returns the jar holding the session. */
export async function signIn(
  stack: SsoStack,
  user: string,
  host = APP,
  path = '/',
  jar = new CookieJar(),
): Promise<CookieJar> {
  const r = await browse(jar, `${stack.origin(host)}${path}`, { user });
  if (r.status !== 200 && r.status !== 403)
    throw new Error(`sign-in of ${user} ended with ${r.status} at ${r.url}: ${r.body.slice(0, 300)}`);
  return jar;
}
