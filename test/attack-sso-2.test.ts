/**
 * A second hostile pass on browser sign-in (OIDC), sessions, step-up and sign-out, covering
 * what test/attack-sso.test.ts does not: login CSRF and two-tab sign-ins, an expired sign-in,
 * forwarding headers from an untrusted peer, hosts no route names, more `rd` spellings, the
 * session cookie on another host or in several Cookie headers, `/.gatehouse/me` and CORS,
 * sign-out from a sibling origin, the hand-off target's port, and step-up answers that fall
 * short (fake provider whose signing key the test holds). Real sockets on 127.0.0.1 only.
 *
 * It found two bugs, fixed with it: a hand-off code could be sent to another port of an
 * allowed host (whoever listened there could exchange it for the victim's session), and an
 * `auth_time` in the future kept a step-up fresh forever.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { request } from 'undici';
import { stringify } from 'yaml';
import { loadConfigText } from '../src/config/index.ts';
import { Gateway } from '../src/server/index.ts';
import { engineParts } from '../src/server/parts.ts';
import { createSso, newSessionId } from '../src/sso/index.ts';
import { deadPort, parseRawResponse } from './helpers/raw-http.ts';
import { rawRequest, startEchoUpstream, testLogger, type Upstream } from './helpers/servers.ts';
import {
  ADMIN,
  APP,
  AUTH,
  browse,
  CookieJar,
  JSON_API,
  NAVIGATE,
  SESSION,
  type SsoStack,
  send,
  signIn,
  startSsoStack,
  type TestClock,
} from './helpers/sso.ts';

const BINDING = '__Host-gatehouse_session_login';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function errorOf(body: string): string {
  return (JSON.parse(body) as { error: string }).error;
}

function jarWith(value: string, host = APP): CookieJar {
  const jar = new CookieJar();
  jar.set(host, SESSION, value);
  return jar;
}

function noSessionSet(r: { setCookie: string[] }, label: string): void {
  assert.ok(!r.setCookie.some((c) => c.startsWith(`${SESSION}=`) && !c.includes('Max-Age=0')), label);
}

/** Walks a sign-in up to (not into) the callback; returns the callback URL the provider sent. */
async function callbackUrl(stack: SsoStack, jar: CookieJar, user = 'alice', rd = '/done'): Promise<URL> {
  let url = `${stack.origin(APP)}/.gatehouse/login?rd=${encodeURIComponent(rd)}`;
  for (let i = 0; i < 12; i++) {
    const r = await browse(jar, url, { user, maxHops: 1 });
    if (r.location?.includes('/.gatehouse/callback')) return new URL(r.location);
    if (!r.location) break;
    url = r.location;
  }
  throw new Error('never reached the callback');
}

/** A request to Gatehouse's port with a Host header of our choosing (not derived from the URL). */
async function sendAs(
  port: number,
  host: string,
  pathAndQuery: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const r = await request(`http://127.0.0.1:${port}${pathAndQuery}`, {
    method: (o.method ?? 'GET') as 'GET',
    headers: { host, ...o.headers },
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  const body = await r.body.text();
  const raw = r.headers['set-cookie'];
  const setCookie = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const location = typeof r.headers.location === 'string' ? r.headers.location : undefined;
  return { status: r.statusCode, headers: r.headers, body, setCookie, location };
}

function cookieValue(setCookie: string[], name: string): string | undefined {
  const line = setCookie.find((c) => c.startsWith(`${name}=`));
  return line ? line.slice(name.length + 1).split(';')[0] : undefined;
}

/* ---------- part one: the development provider, one host per cookie ---------- */

describe('attack 2: sign-in, cookies, /me, sign-out (development provider)', () => {
  let stack: SsoStack;
  before(async () => {
    stack = await startSsoStack();
  });
  after(() => stack.close());

  it('login CSRF: a victim opening an attacker’s callback URL is not signed in as the attacker, and keeps their own session', async () => {
    const victim = await signIn(stack, 'bob');
    const bobId = victim.get(APP, SESSION)!;
    // The victim also has a sign-in of their own in progress (a binding cookie of their own).
    await send(victim, `${stack.origin(APP)}/.gatehouse/login?rd=%2F`, { headers: NAVIGATE });
    assert.ok(victim.get(APP, BINDING));
    const attacker = new CookieJar();
    const cb = await callbackUrl(stack, attacker, 'alice', '/attacker');
    const r = await send(victim, cb, { headers: NAVIGATE });
    assert.equal(r.status, 400);
    assert.match(r.body, /ERR_LOGIN_STATE_INVALID/);
    noSessionSet(r, 'no session for the attacker’s sign-in');
    assert.equal(victim.get(APP, SESSION), bobId, 'the victim’s cookie is untouched');
    const me = await send(victim, `${stack.origin(APP)}/.gatehouse/me`, { headers: JSON_API });
    assert.equal(me.status, 200, 'the victim’s session was not revoked by the refused callback');
    assert.equal((JSON.parse(me.body) as { subject: string }).subject, 'bob');
    // Without any binding cookie at all: refused the same way.
    const cb2 = await callbackUrl(stack, new CookieJar(), 'alice');
    const bare = await send(jarWith(bobId), cb2, { headers: NAVIGATE });
    assert.equal(bare.status, 400);
    noSessionSet(bare, 'no binding cookie');
  });

  it('two tabs: two sign-ins in one browser both complete; the earlier session is rotated away, the last one works', async () => {
    const jar = new CookieJar();
    const one = await callbackUrl(stack, jar, 'alice', '/tab-one');
    const two = await callbackUrl(stack, jar, 'alice', '/tab-two');
    // The second tab finishes first.
    const r2 = await send(jar, two, { headers: NAVIGATE });
    assert.equal(r2.location, `${stack.origin(APP)}/tab-two`);
    const first = jar.get(APP, SESSION)!;
    const r1 = await send(jar, one, { headers: NAVIGATE });
    assert.equal(r1.status, 302, r1.body.slice(0, 200));
    assert.equal(r1.location, `${stack.origin(APP)}/tab-one`);
    const second = jar.get(APP, SESSION)!;
    assert.notEqual(second, first);
    assert.equal((await send(jar, `${stack.origin(APP)}/x`, { headers: JSON_API })).status, 200);
    const old = await send(jarWith(first), `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal(errorOf(old.body), 'session-revoked');
  });

  it('50 parallel sign-ins in one browser share one small binding cookie; every state is distinct', async () => {
    const jar = new CookieJar();
    await send(jar, `${stack.origin(APP)}/.gatehouse/login?rd=%2F`, { headers: NAVIGATE });
    const binding = jar.get(APP, BINDING)!;
    assert.ok(binding);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send(jar, `${stack.origin(APP)}/.gatehouse/login?rd=%2Fp${i}`, { headers: NAVIGATE }),
      ),
    );
    const states = new Set<string>();
    for (const a of answers) {
      assert.equal(a.status, 302);
      assert.equal(a.setCookie.length, 0, 'the binding cookie is reused, not re-set');
      states.add(new URL(a.location!).searchParams.get('state')!);
    }
    assert.equal(states.size, 50);
    assert.equal(jar.get(APP, BINDING), binding);
    assert.ok(jar.header(new URL(stack.origin(APP))).length < 120, 'the Cookie header stays small');
  });

  it('a callback arriving after the sign-in timed out is refused (injected clock), even with a valid code', async () => {
    const jar = new CookieJar();
    const cb = await callbackUrl(stack, jar);
    stack.clock.offset = 601; // loginTimeoutSeconds defaults to 600
    try {
      const r = await send(jar, cb, { headers: NAVIGATE });
      assert.equal(r.status, 400);
      assert.match(r.body, /ERR_LOGIN_STATE_INVALID/);
      noSessionSet(r, 'late callback');
    } finally {
      stack.clock.offset = 0;
    }
    const again = await send(jar, cb, { headers: NAVIGATE });
    assert.equal(again.status, 400, 'the expired entry is gone, not revived');
  });

  it('forwarding headers from an untrusted peer never shape redirect_uri, the default rd or the sign-out return URL', async () => {
    const spoof = {
      'x-forwarded-host': 'evil.test',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      forwarded: 'host=evil.test;proto=https',
      'x-original-url': '//evil.test/',
      'x-rewrite-url': '//evil.test/',
    };
    const r = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/login`, {
      headers: { ...NAVIGATE, ...spoof },
    });
    assert.equal(r.status, 302);
    const auth = new URL(r.location!);
    assert.equal(auth.searchParams.get('redirect_uri'), `${stack.origin(APP)}/.gatehouse/callback`);
    const nav = await send(new CookieJar(), `${stack.origin(APP)}/deep?x=1`, {
      headers: { ...NAVIGATE, ...spoof },
    });
    assert.equal(nav.status, 302);
    const login = new URL(nav.location!);
    assert.equal(login.origin, stack.origin(APP));
    assert.equal(login.searchParams.get('rd'), `${stack.origin(APP)}/deep?x=1`);
    const api = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/me`, {
      headers: { ...JSON_API, ...spoof },
    });
    assert.ok(!api.body.includes('evil.test'), 'the login hint stays on our origin');
    const jar = await signIn(stack, 'alice');
    const csrf = /name="csrf" value="([^"]+)"/.exec(
      (await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, { headers: NAVIGATE })).body,
    )![1]!;
    const out = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { ...FORM, ...spoof },
      body: `csrf=${csrf}`,
    });
    assert.equal(out.status, 303);
    const end = new URL(out.location!);
    assert.equal(
      end.searchParams.get('post_logout_redirect_uri'),
      `${stack.origin(APP)}/.gatehouse/signed-out`,
    );
  });

  it('a sign-in on a Host no route names is refused; case and a trailing dot do not open another door', async () => {
    for (const host of ['evil.localhost', `${APP}.evil.test`, 'localhost', '127.0.0.2']) {
      const r = await sendAs(stack.port, `${host}:${stack.port}`, '/.gatehouse/login?rd=%2F', {
        headers: NAVIGATE,
      });
      assert.equal(r.status, 400, host);
      assert.match(r.body, /ERR_REDIRECT_REFUSED/, host);
      assert.equal(r.location, undefined, host);
      assert.ok(!r.setCookie.some((c) => c.startsWith(BINDING)), `${host}: no sign-in started`);
    }
    const upper = await sendAs(stack.port, `${APP.toUpperCase()}:${stack.port}`, '/.gatehouse/login', {
      headers: NAVIGATE,
    });
    assert.equal(upper.status, 302);
    assert.equal(
      new URL(upper.location!).searchParams.get('redirect_uri'),
      `${stack.origin(APP)}/.gatehouse/callback`,
      'the redirect URI is lower-case',
    );
    // A trailing dot names the same host, but its redirect URI is not registered: the provider
    // must not send a code there.
    const dot = await sendAs(stack.port, `${APP}.:${stack.port}`, '/.gatehouse/login', { headers: NAVIGATE });
    if (dot.status === 302) {
      const idp = await send(new CookieJar(), dot.location!, { headers: NAVIGATE });
      assert.ok(!idp.location?.includes('code='), `provider answered ${idp.status} ${idp.location}`);
    } else assert.equal(dot.status, 400);
  });

  it('login rd: backslash, tab, script-scheme, multi-encoded and look-alike spellings are refused', async () => {
    const evil = [
      '/\\evil.test',
      '/\\/evil.test',
      '\\\\evil.test',
      '/%09/evil.test',
      '/%5C%5Cevil.test',
      '/%5Cevil.test',
      '%2F%2Fevil.test',
      '%25252F%25252Fevil.test',
      '/%2525252F%2525252F..%2Fevil.test%0d%0a',
      '/\t/evil.test',
      '//evil.test',
      '///evil.test',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'http:evil.test',
      'https:/evil.test',
      'https://evil.test',
      '／／evil.test',
      `https://evil.test\u3002${APP}`,
      `https://${APP}\uff0eevil.test/`,
      `/${'%2F'.repeat(2000)}`,
    ];
    for (const rd of evil) {
      const r = await send(
        new CookieJar(),
        `${stack.origin(APP)}/.gatehouse/login?rd=${encodeURIComponent(rd)}`,
        {
          headers: NAVIGATE,
        },
      );
      if (r.status === 302) {
        // Accepted only when it is a path on our own origin: follow the sign-in to see where it lands.
        const jar = new CookieJar();
        const cb = await callbackUrl(stack, jar, 'alice', rd);
        const done = await send(jar, cb, { headers: NAVIGATE });
        assert.equal(new URL(done.location!).origin, stack.origin(APP), JSON.stringify(rd));
      } else {
        assert.equal(r.status, 400, JSON.stringify(rd));
        assert.match(r.body, /ERR_REDIRECT_REFUSED/, JSON.stringify(rd));
        assert.ok(!r.body.includes('evil.test'), `${JSON.stringify(rd)}: not echoed`);
      }
    }
  });

  it('a session cookie copied to another route host is decided by that host’s policy', async () => {
    const alice = (await signIn(stack, 'alice')).get(APP, SESSION)!;
    const bob = (await signIn(stack, 'bob')).get(APP, SESSION)!;
    const onAdmin = (id: string) =>
      send(jarWith(id, ADMIN), `${stack.origin(ADMIN)}/panel`, { headers: JSON_API });
    const a = await onAdmin(alice);
    assert.equal(a.status, 403, 'alice is not an admin, whichever host issued her cookie');
    assert.ok(!a.body.includes(alice));
    assert.equal((await onAdmin(bob)).status, 200);
  });

  it('several Cookie header lines: one session in two lines is one; two different sessions are refused', async () => {
    const id = (await signIn(stack, 'alice')).get(APP, SESSION)!;
    const raw = async (cookies: string[], extra = '') => {
      const lines = cookies.map((c) => `Cookie: ${c}\r\n`).join('');
      return parseRawResponse(
        await rawRequest(
          stack.port,
          `GET /x HTTP/1.1\r\nHost: ${APP}:${stack.port}\r\nAccept: application/json\r\n${extra}${lines}Connection: close\r\n\r\n`,
        ),
      );
    };
    assert.equal((await raw([`${SESSION}=${id}`, `${SESSION}=${id}`])).status, 200);
    const two = await raw([`${SESSION}=${id}`, `${SESSION}=${newSessionId().id}`]);
    assert.equal(two.status, 401);
    assert.equal(errorOf(two.body), 'session-invalid');
    const planted = await raw([`a=1; ${SESSION}=${newSessionId().id}`, `b=2; ${SESSION}=${id}`]);
    assert.equal(planted.status, 401, 'a planted cookie beside the real one');
    // An oversized Cookie header carrying the session is not parsed into a session.
    const huge = await raw([`pad=${'x'.repeat(17 * 1024)}; ${SESSION}=${id}`]);
    assert.ok(huge.status === 401 || huge.status === 431 || huge.status === 400, `oversized: ${huge.status}`);
    assert.ok(!huge.body.includes(id));
  });

  it('a cookie whose session was signed out is dead on every endpoint, and the sign-out page it reaches is harmless', async () => {
    const jar = await signIn(stack, 'alice');
    const id = jar.get(APP, SESSION)!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(
      (await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, { headers: NAVIGATE })).body,
    )![1]!;
    const out = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { ...FORM, origin: stack.origin(APP) },
      body: `csrf=${csrf}`,
    });
    assert.equal(out.status, 303);
    const dead = jarWith(id);
    const me = await send(dead, `${stack.origin(APP)}/.gatehouse/me`, { headers: JSON_API });
    assert.equal(errorOf(me.body), 'session-revoked');
    const api = await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal(errorOf(api.body), 'session-revoked');
    assert.ok(
      api.setCookie.some((c) => c.startsWith(`${SESSION}=;`)),
      'the dead cookie is cleared',
    );
    // Signing out a dead session again changes nothing and never errors.
    const again = await send(jarWith(id), `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { ...FORM, origin: stack.origin(APP) },
      body: `csrf=${csrf}`,
    });
    assert.ok(again.status < 500, `second sign-out: ${again.status}`);
    const nav = await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: NAVIGATE });
    assert.equal(nav.status, 302, 'a navigation goes back to sign in');
  });

  it('/.gatehouse/me to another origin: no CORS grant, JSON only (no JSONP), no-store, nosniff', async () => {
    const jar = await signIn(stack, 'bob');
    for (const origin of ['https://evil.test', 'null', `http://${ADMIN}:${stack.port}`]) {
      const r = await send(jar, `${stack.origin(APP)}/.gatehouse/me?callback=alert`, {
        headers: { ...JSON_API, origin, 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'cross-site' },
      });
      assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
      assert.equal(r.headers['access-control-allow-credentials'], undefined, origin);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.match(String(r.headers['cache-control']), /no-store/);
      assert.ok(r.body.startsWith('{'), 'not wrapped in a callback');
    }
    // A preflight, as browsers send it: without credentials.
    const pre = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/me`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.test',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-requested-with',
      },
    });
    assert.ok(pre.status < 500);
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    assert.ok(!pre.body.includes('bob'), 'a preflight carries no identity');
  });

  it('sign-out: another of our hosts, another scheme, or a same-site / cross-site fetch cannot sign out', async () => {
    const jar = await signIn(stack, 'alice');
    const id = jar.get(APP, SESSION)!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(
      (await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, { headers: NAVIGATE })).body,
    )![1]!;
    const attempts: Record<string, string>[] = [
      { origin: `http://${ADMIN}:${stack.port}` },
      { origin: `https://${APP}:${stack.port}` },
      { origin: `http://${APP}.:${stack.port}` },
      { origin: `http://${APP.toUpperCase()}:${stack.port}x` },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
      { origin: stack.origin(APP), 'sec-fetch-site': 'cross-site' },
    ];
    for (const h of attempts) {
      const r = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
        method: 'POST',
        headers: { ...FORM, ...h },
        body: `csrf=${csrf}&rd=%2Fbye`,
      });
      assert.equal(r.status, 403, JSON.stringify(h));
      assert.match(r.body, /ERR_LOGOUT_FORBIDDEN/);
    }
    // A cross-site GET (an <img> or a link) only shows the confirmation page.
    const get = await send(jar, `${stack.origin(APP)}/.gatehouse/logout?rd=%2Fbye`, {
      headers: { ...NAVIGATE, 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(get.status, 200);
    assert.equal((await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: JSON_API })).status, 200);
    // The token is bound to the session id: a text/plain body (a cross-site form can send one) is not a form.
    const plain = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `csrf=${csrf.slice(0, -1)}x`,
    });
    assert.equal(plain.status, 403);
    assert.equal((await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: JSON_API })).status, 200);
  });
});

/* ---------- part two: the hand-off target's port ---------- */

describe('attack 2: hand-off through the auth host', () => {
  let stack: SsoStack;
  let evil: http.Server;
  let evilPort: number;
  const captured: string[] = [];
  before(async () => {
    const port = await deadPort();
    stack = await startSsoStack({ port, oidc: { authHost: `${AUTH}:${port}` } });
    evil = http.createServer((req, res) => {
      captured.push(req.url ?? '');
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilPort = (evil.address() as AddressInfo).port;
  });
  after(async () => {
    evil.closeAllConnections();
    await new Promise<void>((r) => evil.close(() => r()));
    await stack.close();
  });

  it('a hand-off code is never sent to another port of an allowed host, where someone else could redeem it', async () => {
    const victim = await signIn(stack, 'bob', AUTH);
    const victimId = victim.get(AUTH, SESSION)!;
    assert.ok(victimId);
    // 1. The attacker starts a hand-off for `app.localhost:<evil port>`, talking to Gatehouse's
    //    real port with that Host header, and keeps the binding cookie.
    const target = `${APP}:${evilPort}`;
    const start = await sendAs(stack.port, target, '/.gatehouse/login?rd=%2F', { headers: NAVIGATE });
    assert.equal(start.status, 302);
    const lure = new URL(start.location!);
    const binding = cookieValue(start.setCookie, BINDING)!;
    assert.ok(binding);
    // 2. The victim (signed in at the auth host) is lured to that hand-off URL.
    const step = await send(victim, lure, { headers: NAVIGATE });
    const sentTo = step.location ? new URL(step.location) : undefined;
    if (sentTo?.pathname === '/.gatehouse/handoff') {
      // The victim's browser follows: the code arrives at whoever listens on that port.
      await send(victim, sentTo, { headers: NAVIGATE }).catch(() => undefined);
    }
    const leaked = captured.find((u) => u.startsWith('/.gatehouse/handoff?'));
    let stolen: string | undefined;
    if (leaked) {
      // 3. The attacker redeems the code at Gatehouse with the same Host and their binding cookie.
      const redeem = await sendAs(stack.port, target, leaked, {
        headers: { ...NAVIGATE, cookie: `${BINDING}=${binding}` },
      });
      stolen = cookieValue(redeem.setCookie, SESSION);
    }
    assert.equal(
      stolen,
      undefined,
      stolen === victimId
        ? 'the attacker holds the victim’s session id'
        : 'a session was set for the attacker',
    );
    assert.equal(leaked, undefined, 'a hand-off code left for a port Gatehouse does not serve');
    assert.ok(step.status === 400 || !sentTo || sentTo.port !== String(evilPort), `sent to ${step.location}`);
  });

  it('a hand-off target with userinfo, a path, an encoded dot or a non-numeric port is refused', async () => {
    const jar = await signIn(stack, 'alice', AUTH);
    for (const host of [
      `evil.test@${APP}`,
      `${APP}/x`,
      `${APP}%2eevil.test`,
      `${APP}:80x`,
      `${APP}:`,
      `${APP}.evil.test`,
      `${APP}\\@evil.test`,
    ]) {
      const r = await send(
        jar,
        `${stack.origin(AUTH)}/.gatehouse/login?handoff=${'A'.repeat(43)}&host=${encodeURIComponent(host)}`,
        { headers: NAVIGATE },
      );
      assert.equal(r.status, 400, host);
      assert.equal(r.location, undefined, host);
    }
  });
});

/* ---------- part three: step-up answers from a provider whose key the test holds ---------- */

const FAKE_CLIENT = 'gatehouse-fake-2';
const MFA = 'urn:example:mfa';

interface FakeIdp {
  readonly issuer: string;
  next?: Record<string, unknown>;
  /** When set, the token endpoint answers this error JSON with this status instead. */
  tokenError?: { status: number; body: unknown };
  close(): Promise<void>;
}

async function startFakeIdp(): Promise<FakeIdp & { sign(c: Record<string, unknown>): Promise<string> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      json(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (path === '/jwks') json(200, { keys: [jwk] });
    else if (path === '/token') {
      req.resume();
      req.on('end', async () => {
        if (fake.tokenError) return json(fake.tokenError.status, fake.tokenError.body);
        if (!fake.next) return json(400, { error: 'invalid_grant' });
        json(200, {
          access_token: `at-${randomBytes(8).toString('hex')}`,
          token_type: 'Bearer',
          expires_in: 3600,
          id_token: await fake.sign(fake.next),
        });
      });
    } else json(404, { error: 'not_found' });
  });
  const fake = {
    get issuer() {
      return issuer;
    },
    next: undefined as Record<string, unknown> | undefined,
    tokenError: undefined as FakeIdp['tokenError'],
    sign: (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' }).sign(privateKey),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

describe('attack 2: step-up answers that fall short, and provider errors (fake provider)', () => {
  let idp: Awaited<ReturnType<typeof startFakeIdp>>;
  let upstream: Upstream;
  let gateway: Gateway;
  let sso: ReturnType<typeof createSso>;
  let port: number;
  let dir: string;
  const clock: TestClock = { offset: 0, now: () => Math.floor(Date.now() / 1000) + clock.offset };
  const origin = () => `http://${APP}:${port}`;
  const STEP = `max_age=300&acr_values=${encodeURIComponent(MFA)}&amr_values=otp+hwk`;

  before(async () => {
    idp = await startFakeIdp();
    upstream = await startEchoUpstream();
    port = await deadPort();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-attack-sso-2-'));
    writeFileSync(join(dir, 'secret'), `s-${randomBytes(8).toString('hex')}`, { mode: 0o600 });
    const config = {
      listeners: [{ name: 'web', port }],
      admin: { port: 0 },
      audit: { output: { file: '/dev/null' } },
      identity: {
        oidc: {
          issuer: idp.issuer,
          clientId: FAKE_CLIENT,
          clientSecret: { file: join(dir, 'secret') },
          allowInsecureIssuer: true,
        },
      },
      policies: { staff: { allow: [{ groups: { anyOf: ['engineering'] } }] } },
      routes: [
        {
          id: 'step',
          match: { host: APP, path: '/step' },
          upstream: upstream.url,
          policy: {
            allow: [
              {
                groups: { anyOf: ['engineering'] },
                challenge: { maxAgeSeconds: 300, acr: [MFA], amr: ['otp', 'hwk'] },
              },
            ],
          },
        },
        { id: 'app', match: { host: APP, path: '/' }, upstream: upstream.url, policy: 'staff' },
      ],
    };
    const text = stringify(config);
    const loaded = loadConfigText(text);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    sso = createSso(loaded.config, { nowSeconds: clock.now, sweepIntervalMs: 0 });
    gateway = await Gateway.start({
      configText: text,
      logger: testLogger,
      parts: engineParts(),
      watch: false,
      nowSeconds: clock.now,
      sso,
    });
  });
  after(async () => {
    await gateway.shutdown(500);
    sso.close();
    await upstream.close();
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Start a sign-in (with `query`), make the provider's ID token from `claims`, run the callback. */
  async function signInWith(
    claims: (base: Record<string, unknown>) => Record<string, unknown>,
    query = '',
    jar = new CookieJar(),
  ) {
    const r = await send(jar, `${origin()}/.gatehouse/login?rd=%2Fstep%2Fpay${query ? `&${query}` : ''}`, {
      headers: NAVIGATE,
    });
    assert.equal(r.status, 302, r.body);
    const auth = new URL(r.location!);
    const now = Math.floor(Date.now() / 1000);
    idp.next = claims({
      iss: idp.issuer,
      aud: FAKE_CLIENT,
      sub: 'carol',
      nonce: auth.searchParams.get('nonce'),
      iat: now,
      exp: now + 600,
      auth_time: now,
      acr: MFA,
      amr: ['pwd', 'otp'],
      groups: ['engineering'],
    });
    const res = await send(
      jar,
      `${origin()}/.gatehouse/callback?code=c${randomBytes(6).toString('hex')}&state=${auth.searchParams.get('state')}`,
      { headers: NAVIGATE },
    );
    return { res, jar, auth };
  }

  it('the harness: a step-up sign-in that meets the rule opens the route', async () => {
    const { res, jar, auth } = await signInWith((b) => b, STEP);
    assert.equal(auth.searchParams.get('prompt'), 'login');
    assert.equal(auth.searchParams.get('max_age'), '300');
    assert.equal(auth.searchParams.get('acr_values'), MFA);
    assert.equal(res.status, 302, res.body);
    assert.equal((await send(jar, `${origin()}/step/pay`, { headers: JSON_API })).status, 200);
  });

  const shortfalls: [string, (b: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
    ['a weaker acr', (b) => ({ ...b, acr: 'urn:example:pwd' }), /acr-insufficient/],
    ['no acr', ({ acr: _a, ...b }) => b, /acr-insufficient/],
    ['acr as an array holding the asked value', (b) => ({ ...b, acr: [MFA] }), /acr-insufficient/],
    ['acr differing in case', (b) => ({ ...b, acr: MFA.toUpperCase() }), /acr-insufficient/],
    ['amr without any asked method', (b) => ({ ...b, amr: ['pwd'] }), /amr-insufficient/],
    ['amr as a string', (b) => ({ ...b, amr: 'otp' }), /amr-insufficient/],
  ];
  for (const [label, mutate, reason] of shortfalls) {
    it(`step-up: the provider answers with ${label}: 403 "stronger sign-in required", no session, the old one kept`, async () => {
      const before = await signInWith((b) => ({ ...b, acr: 'urn:example:pwd', amr: ['pwd'] }));
      const oldId = before.jar.get(APP, SESSION)!;
      assert.ok(oldId);
      const { res, jar } = await signInWith(mutate, STEP, before.jar);
      assert.equal(res.status, 403, `${label}: ${res.status}`);
      assert.match(res.body, reason);
      assert.equal(res.location, undefined);
      noSessionSet(res, label);
      assert.equal(jar.get(APP, SESSION), oldId);
      assert.equal((await send(jar, `${origin()}/x`, { headers: JSON_API })).status, 200, 'old session kept');
      assert.equal((await send(jar, `${origin()}/step/pay`, { headers: JSON_API })).status, 401);
    });
  }

  it('step-up: auth_time older than max_age, or missing, is refused by the callback', async () => {
    const old = await signInWith((b) => ({ ...b, auth_time: (b.iat as number) - 301 - 60 }), STEP);
    assert.equal(old.res.status, 401, old.res.body.slice(0, 200));
    assert.match(old.res.body, /ERR_LOGIN_FAILED/);
    noSessionSet(old.res, 'old auth_time');
    const none = await signInWith(({ auth_time: _t, ...b }) => b, STEP);
    assert.ok(none.res.status === 401 || none.res.status === 403, `no auth_time: ${none.res.status}`);
    noSessionSet(none.res, 'no auth_time');
  });

  it('step-up: a login URL with the requirement stripped or weakened yields a session the rule still challenges', async () => {
    for (const q of [
      '',
      'acr_values=urn%3Aexample%3Apwd',
      'max_age=999999999',
      'acr_values=urn%3Aexample%3Apwd&amr_values=pwd',
    ]) {
      const { res, jar } = await signInWith((b) => ({ ...b, acr: 'urn:example:pwd', amr: ['pwd'] }), q);
      assert.equal(res.status, 302, `${q}: ${res.status}`);
      const api = await send(jar, `${origin()}/step/pay`, { headers: JSON_API });
      assert.equal(api.status, 401, q);
      assert.match(String(api.headers['www-authenticate']), /insufficient_user_authentication/, q);
      const nav = await send(jar, `${origin()}/step/pay`, { headers: NAVIGATE });
      assert.equal(nav.status, 302, q);
      assert.equal(new URL(nav.location!).searchParams.get('acr_values'), MFA, q);
    }
  });

  it('step-up: a fresh strong sign-in ages out after max_age (injected clock)', async () => {
    const { jar } = await signInWith((b) => b, STEP);
    assert.equal((await send(jar, `${origin()}/step/pay`, { headers: JSON_API })).status, 200);
    clock.offset = 301;
    try {
      const r = await send(jar, `${origin()}/step/pay`, { headers: JSON_API });
      assert.equal(r.status, 401);
      assert.match(String(r.headers['www-authenticate']), /max_age=300/);
      assert.equal((await send(jar, `${origin()}/x`, { headers: JSON_API })).status, 200, 'still signed in');
    } finally {
      clock.offset = 0;
    }
  });

  it('step-up: an auth_time in the future does not keep the sign-in "fresh" forever', async () => {
    const { res, jar } = await signInWith((b) => ({ ...b, auth_time: (b.iat as number) + 86_400 }), STEP);
    if (res.status === 302) {
      // Half an hour later (inside the idle timeout and the token lifetime), max_age is 300 s.
      clock.offset = 1800;
      try {
        assert.equal(
          (await send(jar, `${origin()}/x`, { headers: JSON_API })).status,
          200,
          'still signed in',
        );
        const r = await send(jar, `${origin()}/step/pay`, { headers: JSON_API });
        assert.equal(r.status, 401, '30 minutes later the strong sign-in must be asked again');
      } finally {
        clock.offset = 0;
      }
    } else {
      assert.ok(res.status === 401 || res.status === 403);
      noSessionSet(res, 'future auth_time');
    }
  });

  it('the token endpoint’s error_description and internals are never shown (no markup, no provider URL)', async () => {
    const cases: { status: number; body: unknown }[] = [
      {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: `<script>alert(1)</script> see ${idp.issuer}/token`,
        },
      },
      { status: 400, body: { error: '<img src=x onerror=alert(1)>', error_description: 'x' } },
      {
        status: 500,
        body: { error: 'server_error', stack: 'Error: boom\n    at handler (/srv/idp.js:1:1)' },
      },
      { status: 200, body: { access_token: 'at-leak-123456', token_type: 'Bearer' } },
    ];
    try {
      for (const c of cases) {
        idp.tokenError = c;
        const { res, jar } = await signInWith((b) => b);
        assert.ok(res.status === 401 || res.status === 503, `${JSON.stringify(c.body)}: ${res.status}`);
        assert.ok(!/<script|<img|onerror|alert\(/i.test(res.body), res.body);
        assert.ok(!res.body.includes(idp.issuer), 'no provider URL');
        assert.ok(!/\bat [\w.<>]+ \(|Error:|at-leak|invalid_grant/.test(res.body), res.body);
        assert.equal(jar.get(APP, SESSION), undefined);
      }
    } finally {
      idp.tokenError = undefined;
    }
  });
});

describe('attack 2: a provider that cannot be reached', () => {
  it('the sign-in page names neither the provider URL nor the network error', async () => {
    const idpPort = await deadPort();
    const upstream = await startEchoUpstream();
    const port = await deadPort();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-attack-sso-2b-'));
    writeFileSync(join(dir, 'secret'), 'secret-value-0123456789', { mode: 0o600 });
    const text = stringify({
      listeners: [{ name: 'web', port }],
      admin: { port: 0 },
      audit: { output: { file: '/dev/null' } },
      identity: {
        oidc: {
          issuer: `http://127.0.0.1:${idpPort}/realms/secret-realm`,
          clientId: 'c',
          clientSecret: { file: join(dir, 'secret') },
          allowInsecureIssuer: true,
        },
      },
      routes: [
        {
          id: 'app',
          match: { host: APP, path: '/' },
          upstream: upstream.url,
          policy: { allow: [{ groups: { anyOf: ['x'] } }] },
        },
      ],
    });
    const gateway = await Gateway.start({
      configText: text,
      logger: testLogger,
      parts: engineParts(),
      watch: false,
    });
    try {
      const r = await send(new CookieJar(), `http://${APP}:${port}/.gatehouse/login?rd=%2F`, {
        headers: NAVIGATE,
      });
      assert.equal(r.status, 503);
      assert.match(r.body, /ERR_IDP_UNAVAILABLE/);
      assert.ok(!r.body.includes(String(idpPort)) && !r.body.includes('secret-realm'), 'no provider URL');
      assert.ok(!/ECONNREFUSED|fetch failed|Error:/.test(r.body), r.body);
      assert.equal(r.location, undefined);
    } finally {
      await gateway.shutdown(500);
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
