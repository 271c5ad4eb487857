/**
 * Hostile requests against browser sign-in (OIDC), session cookies, sign-out, back-channel
 * logout, `/.gatehouse/me` and the admin API, as an external security review would send
 * them. Part one runs against the development provider (test/helpers/sso.ts); part two
 * against a fake provider whose signing key the test holds, so it can forge ID tokens and
 * logout tokens that are wrong in exactly one way. Expected everywhere: refused with a
 * stable code, never a 5xx, never a redirect off our hosts, never a token in an answer or a
 * log line. Cases already covered by test/sso-*.test.ts are not repeated here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import pino from 'pino';
import { request } from 'undici';
import { stringify } from 'yaml';
import { signInLocation } from '../src/forward-auth/sign-in.ts';
import type { RequestInfo } from '../src/model/index.ts';
import { Gateway } from '../src/server/index.ts';
import { engineParts } from '../src/server/parts.ts';
import { newSessionId } from '../src/sso/index.ts';
import { deadPort } from './helpers/raw-http.ts';
import { startEchoUpstream, type Upstream } from './helpers/servers.ts';
import {
  ADMIN,
  APP,
  browse,
  CookieJar,
  JSON_API,
  NAVIGATE,
  SESSION,
  type SsoStack,
  send,
  signIn,
  startSsoStack,
} from './helpers/sso.ts';

const BINDING = '__Host-gatehouse_session_login';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * What the operational log is made of: internal errors and session events. (The raw request
 * on `gatehouse:request:finished` is in-process only: the audit record keeps no headers.)
 */
const published: string[] = [];
const CHANNELS = ['gatehouse:internal:error', 'gatehouse:session'];
const onPublish = (m: unknown) => {
  published.push(JSON.stringify(m, (_k, v: unknown) => (v instanceof Error ? `${v.message}` : v)));
};

function jarWith(value: string, host = APP): CookieJar {
  const jar = new CookieJar();
  jar.set(host, SESSION, value);
  return jar;
}

function errorOf(body: string): string {
  return (JSON.parse(body) as { error: string }).error;
}

/** Starts a sign-in on `host` in `jar`; returns the provider's authorization URL (state, nonce inside). */
async function startLogin(stack: SsoStack, jar: CookieJar, host = APP, rd = '/done'): Promise<URL> {
  const r = await send(jar, `${stack.origin(host)}/.gatehouse/login?rd=${encodeURIComponent(rd)}`, {
    headers: NAVIGATE,
  });
  assert.equal(r.status, 302, r.body);
  return new URL(r.location!);
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

function noSessionSet(r: { setCookie: string[] }, label: string): void {
  assert.ok(!r.setCookie.some((c) => c.startsWith(`${SESSION}=`) && !c.includes('Max-Age=0')), label);
}

describe('attack: sign-in, callback, cookies, sign-out (development provider)', () => {
  let stack: SsoStack;
  const seenSecrets: string[] = [];
  before(async () => {
    for (const c of CHANNELS) diagnosticsChannel.subscribe(c, onPublish);
    stack = await startSsoStack();
  });
  after(async () => {
    await stack.close();
    for (const c of CHANNELS) diagnosticsChannel.unsubscribe(c, onPublish);
  });

  it('login rd: encoded, control-character, userinfo, suffix and over-long targets are refused (400, no Location)', async () => {
    const p = stack.port;
    const evil = [
      '/%2F%2Fevil.test',
      '/%2f%2fevil.test',
      '/%252F%252Fevil.test',
      '%2F%5Cevil.test',
      'https://evil.test/',
      `https://evil.test/?${APP}`,
      `http://evil${APP}:${p}/`,
      `http://${APP}.evil.test:${p}/`,
      `http://${APP}%2eevil.test:${p}/`,
      `http://evil.test%23@${APP}:${p}/`,
      `http://user:pass@${APP}:${p}/`,
      `http://${APP}\\@evil.test/`,
      'https:\\\\evil.test',
      'http:/\\evil.test',
      '/x\r\nLocation: http://evil.test',
      '/x%0d%0aSet-Cookie:%20a=b',
      '/\nevil.test',
      ' //evil.test',
      'java%09script:alert(1)',
      'jav\tascript:alert(1)',
      'vbscript:msgbox(1)',
      'DATA:text/html;base64,PHNjcmlwdD4=',
      'ｈｔｔｐｓ://evil.test',
      `http://${APP}\u3002evil.test/`,
      'http://[::1]/',
      'http://0x7f.1/',
      'evil.test',
      '',
      `/${'a'.repeat(5000)}`,
    ];
    for (const rd of evil) {
      const r = await send(
        new CookieJar(),
        `${stack.origin(APP)}/.gatehouse/login?rd=${encodeURIComponent(rd)}`,
        { headers: NAVIGATE },
      );
      assert.equal(r.status, 400, JSON.stringify(rd));
      assert.equal(r.location, undefined, JSON.stringify(rd));
      assert.match(r.body, /ERR_REDIRECT_REFUSED/, JSON.stringify(rd));
      assert.ok(!r.body.includes('evil.test'), `${JSON.stringify(rd)}: not echoed`);
    }
  });

  it('login rd: look-alike but same-host targets stay on our hosts after the full sign-in', async () => {
    const p = stack.port;
    const cases: [string, string][] = [
      ['/.//evil.test', `http://${APP}:${p}//evil.test`],
      ['/..//evil.test/x', `http://${APP}:${p}//evil.test/x`],
      [`http://${APP.toUpperCase()}:${p}/up`, `http://${APP}:${p}/up`],
      [`http://${APP}.:${p}/dot`, `http://${APP}.:${p}/dot`],
      [`http://${APP}:${p}/#@evil.test`, `http://${APP}:${p}/#@evil.test`],
    ];
    for (const [rd, expected] of cases) {
      const jar = new CookieJar();
      const cb = await callbackUrl(stack, jar, 'alice', rd);
      const done = await send(jar, cb, { headers: NAVIGATE });
      assert.equal(done.status, 302, rd);
      assert.equal(done.location, expected, rd);
      assert.ok([APP].includes(new URL(done.location!).hostname.replace(/\.$/, '')), rd);
    }
  });

  it('login rd: of two rd parameters only the first counts', async () => {
    const jar = new CookieJar();
    const r = await send(jar, `${stack.origin(APP)}/.gatehouse/login?rd=%2Fok&rd=%2F%2Fevil.test`, {
      headers: NAVIGATE,
    });
    assert.equal(r.status, 302);
    assert.ok(r.location!.startsWith(stack.idp.issuer));
    const bad = await send(jar, `${stack.origin(APP)}/.gatehouse/login?rd=%2F%2Fevil.test&rd=%2Fok`, {
      headers: NAVIGATE,
    });
    assert.equal(bad.status, 400);
  });

  it('forward-auth sign-in URL: hostile paths and queries keep rd on the original origin, and login accepts it', async () => {
    const base: RequestInfo = {
      id: 'r',
      method: 'GET',
      scheme: 'http',
      host: APP,
      port: stack.port,
      path: '/',
      query: '',
      headers: {},
      peerAddress: '127.0.0.1',
      clientAddress: '127.0.0.1',
      listener: 'web',
    };
    const hostile: [string, string][] = [
      ['//evil.test/', ''],
      ['/\\evil.test', ''],
      ['/x', 'rd=//evil.test&next=https://evil.test'],
      ['/@evil.test', ''],
      ['/%2F%2Fevil.test', 'a=%0d%0a'],
    ];
    for (const [path, query] of hostile) {
      const loc = new URL(signInLocation('/.gatehouse/login', { ...base, path, query }));
      assert.equal(loc.origin, stack.origin(APP), path);
      const rd = loc.searchParams.get('rd')!;
      assert.equal(new URL(rd).origin, stack.origin(APP), `${path}: rd stays on the origin`);
      assert.equal(loc.searchParams.getAll('rd').length, 1, path);
      const r = await send(new CookieJar(), loc.href, { headers: NAVIGATE });
      // Gatehouse either sends the browser to the provider or refuses; never elsewhere.
      assert.ok(
        (r.status === 302 && r.location!.startsWith(stack.idp.issuer)) || r.status === 400,
        `${path}: ${r.status} ${r.location}`,
      );
    }
  });

  it('callback: missing, unknown and malformed state are refused (400 ERR_LOGIN_STATE_INVALID)', async () => {
    const jar = new CookieJar();
    await startLogin(stack, jar); // the jar holds a binding cookie: refusal is about state
    for (const q of [
      '',
      '?code=x',
      '?state=',
      `?state=${newSessionId().id}&code=x`,
      '?state=%00&code=x',
      `?state=${'A'.repeat(10_000)}`,
    ]) {
      const r = await send(jar, `${stack.origin(APP)}/.gatehouse/callback${q}`, { headers: NAVIGATE });
      assert.equal(r.status, 400, q.slice(0, 40));
      assert.match(r.body, /ERR_LOGIN_STATE_INVALID/);
      noSessionSet(r, q.slice(0, 40));
    }
  });

  it('callback: error= and error_description are never echoed as markup (XSS)', async () => {
    const jar = new CookieJar();
    const auth = await startLogin(stack, jar);
    const state = auth.searchParams.get('state')!;
    const xss = '<script>alert(1)</script>';
    const r = await send(
      jar,
      `${stack.origin(APP)}/.gatehouse/callback?state=${state}&error=${encodeURIComponent(xss)}&error_description=${encodeURIComponent('<img src=x onerror=alert(1)>')}&error_uri=${encodeURIComponent('javascript:alert(1)')}`,
      { headers: NAVIGATE },
    );
    assert.equal(r.status, 401);
    assert.ok(!/<script|<img|javascript:|onerror/i.test(r.body), r.body);
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
    noSessionSet(r, 'error answer');
    // A plain OAuth error code is shown as such.
    const jar2 = new CookieJar();
    const s2 = (await startLogin(stack, jar2)).searchParams.get('state')!;
    const denied = await send(
      jar2,
      `${stack.origin(APP)}/.gatehouse/callback?state=${s2}&error=access_denied`,
      {
        headers: NAVIGATE,
      },
    );
    assert.equal(denied.status, 401);
    assert.match(denied.body, /access_denied/);
    // The state was used up by the error answer.
    const again = await send(
      jar2,
      `${stack.origin(APP)}/.gatehouse/callback?state=${s2}&error=access_denied`,
      {
        headers: NAVIGATE,
      },
    );
    assert.equal(again.status, 400);
  });

  it('callback: a duplicated state, a foreign iss, or a code paired with another sign-in’s state signs no one in', async () => {
    const jar = new CookieJar();
    const cb = await callbackUrl(stack, jar);
    const dup = new URL(cb);
    dup.searchParams.append('state', newSessionId().id);
    const r1 = await send(jar, dup, { headers: NAVIGATE });
    assert.ok(r1.status >= 400 && r1.status < 500, `duplicated state: ${r1.status}`);
    noSessionSet(r1, 'duplicated state');

    const jar2 = new CookieJar();
    const cb2 = await callbackUrl(stack, jar2);
    const iss = new URL(cb2);
    iss.searchParams.set('iss', 'https://evil.test');
    const r2 = await send(jar2, iss, { headers: NAVIGATE });
    assert.equal(r2.status, 401, 'foreign iss');
    assert.match(r2.body, /ERR_LOGIN_FAILED/);
    noSessionSet(r2, 'foreign iss');

    // Two sign-ins in one browser: the code of the first with the state of the second.
    const jar3 = new CookieJar();
    const first = await callbackUrl(stack, jar3);
    const second = await callbackUrl(stack, jar3);
    const swapped = new URL(second);
    swapped.searchParams.set('code', first.searchParams.get('code')!);
    const r3 = await send(jar3, swapped, { headers: NAVIGATE });
    assert.equal(r3.status, 401, `swapped code: ${r3.body.slice(0, 200)}`);
    assert.match(r3.body, /ERR_LOGIN_FAILED/);
    noSessionSet(r3, 'swapped code');
    for (const page of [r1, r2, r3])
      assert.ok(!/eyJ|code=|\bat [\w.]+ \(/.test(page.body), 'no token or stack');
  });

  it('callback: a state started on one host is refused on another host (no binding cookie there)', async () => {
    const jar = new CookieJar();
    const cb = await callbackUrl(stack, jar);
    const other = new URL(cb);
    other.hostname = ADMIN;
    const r = await send(jar, other, { headers: NAVIGATE });
    assert.equal(r.status, 400);
    assert.match(r.body, /ERR_LOGIN_STATE_INVALID/);
    noSessionSet(r, 'other host');
    assert.equal(jar.get(ADMIN, SESSION), undefined);
  });

  it('the sign-in binding cookie is host-only, HttpOnly, Secure, SameSite=Lax, Path=/, short-lived', async () => {
    const r = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/login?rd=%2F`, {
      headers: NAVIGATE,
    });
    const c = r.setCookie.find((x) => x.startsWith(`${BINDING}=`));
    assert.ok(c, 'binding cookie set');
    assert.match(c, /; HttpOnly/);
    assert.match(c, /; Secure/);
    assert.match(c, /; SameSite=Lax/);
    assert.match(c, /; Path=\/(;|$)/);
    assert.doesNotMatch(c, /Domain=/i);
    const maxAge = Number(/Max-Age=(\d+)/.exec(c)?.[1]);
    assert.ok(maxAge > 0 && maxAge <= 900, `Max-Age ${maxAge}`);
  });

  it('fixation: a session id planted before sign-in is never adopted', async () => {
    const planted = newSessionId().id;
    const jar = jarWith(planted);
    await signIn(stack, 'alice', APP, '/', jar);
    const issued = jar.get(APP, SESSION);
    assert.ok(issued && issued !== planted);
    const r = await send(jarWith(planted), `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal(r.status, 401);
    seenSecrets.push(issued);
  });

  it('cookies: Gatehouse’s cookies never reach the upstream, in any spelling the parser accepts', async () => {
    const jar = await signIn(stack, 'alice');
    const id = jar.get(APP, SESSION)!;
    seenSecrets.push(id);
    const cookie = `a=1;${SESSION}=${id};  ${BINDING}=${newSessionId().id} ; b=2; ${SESSION} =${id}`;
    const r = await send(new CookieJar(), `${stack.origin(APP)}/echo`, { headers: { ...JSON_API, cookie } });
    assert.equal(r.status, 200, r.body);
    const echoed = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(echoed.headers.cookie, 'a=1; b=2');
    assert.ok(!r.body.includes(id));
    // A cookie under the session name for the parent-domain mode (not ours here) is not a session.
    const foreign = await send(new CookieJar(), `${stack.origin(APP)}/echo`, {
      headers: { ...JSON_API, cookie: `__Secure-gatehouse_session=${id}; gatehouse_session=${id}` },
    });
    assert.equal(foreign.status, 401, 'another cookie name is not a session');
  });

  it('/.gatehouse/me: 401 JSON without a session or with a dead one; never a token', async () => {
    const none = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/me`, { headers: JSON_API });
    assert.equal(none.status, 401);
    assert.equal(errorOf(none.body), 'user-unauthenticated');
    assert.match(String(none.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
    const forged = await send(jarWith('x'.repeat(43)), `${stack.origin(APP)}/.gatehouse/me`, {
      headers: NAVIGATE,
    });
    assert.equal(forged.status, 401, 'a navigation to /me is answered, not redirected');
    assert.equal(errorOf(forged.body), 'session-invalid');
    const jar = await signIn(stack, 'bob');
    const id = jar.get(APP, SESSION)!;
    seenSecrets.push(id);
    const me = await send(jar, `${stack.origin(APP)}/.gatehouse/me`, { headers: JSON_API });
    assert.equal(me.status, 200);
    assert.ok(!me.body.includes(id));
    assert.ok(!/eyJ[\w-]+\.[\w-]+|refresh|access_token|id_token|"sid"/i.test(me.body), me.body);
    const post = await send(jar, `${stack.origin(APP)}/.gatehouse/me`, {
      method: 'POST',
      headers: JSON_API,
      body: '',
    });
    assert.ok(post.status < 500, `POST /me: ${post.status}`);
  });

  it('sign-out: hostile rd and Origin: null are refused; GET never signs out; oversized forms fail closed', async () => {
    const jar = await signIn(stack, 'alice');
    const id = jar.get(APP, SESSION)!;
    seenSecrets.push(id);
    const xss = '"><script>alert(1)</script>';
    const page = await send(jar, `${stack.origin(APP)}/.gatehouse/logout?rd=${encodeURIComponent(xss)}`, {
      headers: NAVIGATE,
    });
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes('<script'), 'rd is escaped in the confirmation form');
    assert.ok(!page.body.includes(id), 'the page holds no session id');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    assert.ok(csrf, 'the confirmation page carries the token');
    const alive = async () =>
      (await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: JSON_API })).status;
    assert.equal(await alive(), 200);

    const nullOrigin = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { ...FORM, origin: 'null' },
      body: `csrf=${csrf}`,
    });
    assert.equal(nullOrigin.status, 403, 'Origin: null without Sec-Fetch-Site');
    const otherPort = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { ...FORM, origin: `http://${APP}:1` },
      body: `csrf=${csrf}`,
    });
    assert.equal(otherPort.status, 403, 'same host, another port is another origin');
    const huge = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: FORM,
      body: `csrf=${csrf}&pad=${'x'.repeat(20_000)}`,
    });
    assert.equal(huge.status, 403, 'oversized form');
    const other = await signIn(stack, 'bob');
    const otherCsrf = /name="csrf" value="([^"]+)"/.exec(
      (await send(other, `${stack.origin(APP)}/.gatehouse/logout`, { headers: NAVIGATE })).body,
    )?.[1];
    assert.ok(otherCsrf);
    const crossToken = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: FORM,
      body: `csrf=${otherCsrf}`,
    });
    assert.equal(crossToken.status, 403, 'another session’s token');
    assert.equal(await alive(), 200, 'still signed in after every refused attempt');

    // Without a session, a hostile rd is ignored (no redirect anywhere).
    for (const rd of ['//evil.test', 'https://evil.test/', '/\\evil.test', 'javascript:alert(1)']) {
      const r = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/logout`, {
        method: 'POST',
        headers: FORM,
        body: `rd=${encodeURIComponent(rd)}`,
      });
      assert.equal(r.status, 200, rd);
      assert.equal(r.location, undefined, rd);
      const g = await send(
        new CookieJar(),
        `${stack.origin(APP)}/.gatehouse/logout?rd=${encodeURIComponent(rd)}`,
        {
          headers: NAVIGATE,
        },
      );
      assert.equal(g.location, undefined, rd);
    }
  });

  it('signed-out: an unknown or replayed state redirects nowhere', async () => {
    const jar = await signIn(stack, 'alice');
    const page = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, { headers: NAVIGATE });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    assert.ok(csrf, 'the confirmation page carries the token');
    const out = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { ...FORM, origin: stack.origin(APP) },
      body: `csrf=${csrf}&rd=%2Fbye`,
    });
    assert.equal(out.status, 303);
    const state = new URL(out.location!).searchParams.get('state')!;
    const first = await send(jar, `${stack.origin(APP)}/.gatehouse/signed-out?state=${state}`, {
      headers: NAVIGATE,
    });
    assert.equal(first.location, `${stack.origin(APP)}/bye`);
    const replay = await send(jar, `${stack.origin(APP)}/.gatehouse/signed-out?state=${state}`, {
      headers: NAVIGATE,
    });
    assert.equal(replay.status, 200);
    assert.equal(replay.location, undefined);
    for (const q of ['', '?state=', `?state=${'%2F'.repeat(50)}`, '?state=__proto__', '?state=constructor']) {
      const r = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/signed-out${q}`, {
        headers: NAVIGATE,
      });
      assert.equal(r.status, 200, q);
      assert.equal(r.location, undefined, q);
    }
  });

  it('reserved paths answer methods they do not serve without a 5xx', async () => {
    for (const path of ['login', 'callback', 'logout', 'signed-out', 'me', 'handoff', 'backchannel-logout']) {
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const r = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/${path}`, {
          method,
          headers: JSON_API,
        });
        assert.ok(r.status < 500, `${method} ${path}: ${r.status}`);
      }
    }
  });

  it('the admin revoke route is on the admin port only; the public port does not revoke', async () => {
    const jar = await signIn(stack, 'alice');
    const id = jar.get(APP, SESSION)!;
    seenSecrets.push(id);
    for (const host of ['127.0.0.1', APP]) {
      const r = await request(`http://127.0.0.1:${stack.port}/sessions/revoke`, {
        method: 'POST',
        headers: { host: `${host}:${stack.port}`, 'content-type': 'application/json', ...JSON_API },
        body: JSON.stringify({ sessionId: id }),
      });
      const text = await r.body.text();
      assert.notEqual(r.statusCode, 200, `${host}: ${text}`);
      assert.ok(!/revoked/.test(text), host);
    }
    assert.equal((await send(jar, `${stack.origin(APP)}/x`, { headers: JSON_API })).status, 200);
    const me = await request(`${stack.adminUrl}/.gatehouse/me`, { headers: { cookie: `${SESSION}=${id}` } });
    assert.equal(me.statusCode, 404, 'no SSO endpoint on the admin port');
    assert.ok(!(await me.body.text()).includes('subject'));
  });

  it('nothing published for the logs carries a session id, a cookie or a token', () => {
    assert.ok(published.length > 0, 'events were captured');
    assert.ok(seenSecrets.length > 0);
    for (const line of published) {
      for (const s of seenSecrets) assert.ok(!line.includes(s), `session id in ${line.slice(0, 200)}`);
      assert.ok(!/eyJ[\w-]{10,}\.eyJ/.test(line), `JWT in ${line.slice(0, 200)}`);
    }
  });
});

/* ---------- part two: a fake provider whose key the test holds ---------- */

const FAKE_CLIENT = 'gatehouse-fake';
const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;
/** A key `SignJWT` accepts (a private CryptoKey or an HMAC secret). */
type SignKey = Parameters<SignJWT['sign']>[0];
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface FakeIdp {
  readonly issuer: string;
  /** Claims (and header) of the next ID token the token endpoint returns. */
  next?: { claims: Record<string, unknown>; alg?: string; key?: SignKey };
  sign(claims: Record<string, unknown>, o?: { alg?: string; key?: SignKey; kid?: string }): Promise<string>;
  close(): Promise<void>;
}

function unsigned(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

async function startFakeIdp(): Promise<FakeIdp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const fake: FakeIdp = {
    get issuer() {
      return issuer;
    },
    async sign(claims, o = {}) {
      if (o.alg === 'none') return unsigned(claims);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'k1', typ: 'JWT' })
        .sign(o.key ?? privateKey);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
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
        end_session_endpoint: `${issuer}/session/end`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
      });
    } else if (path === '/jwks') {
      json(200, { keys: [jwk] });
    } else if (path === '/token') {
      req.resume();
      req.on('end', async () => {
        const n = fake.next;
        if (!n) return json(400, { error: 'invalid_grant' });
        const idToken = await fake.sign(n.claims, {
          ...(n.alg ? { alg: n.alg } : {}),
          ...(n.key ? { key: n.key } : {}),
        });
        json(200, {
          access_token: `at-${randomBytes(8).toString('hex')}`,
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        });
      });
    } else json(404, { error: 'not_found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

describe('attack: forged ID tokens, logout tokens and the admin token (fake provider)', () => {
  let idp: FakeIdp;
  let upstream: Upstream;
  let gateway: Gateway;
  let port: number;
  let adminUrl: string;
  let dir: string;
  const logLines: string[] = [];
  const secret = `fake-secret-${randomBytes(8).toString('hex')}`;
  const origin = () => `http://${APP}:${port}`;

  before(async () => {
    idp = await startFakeIdp();
    upstream = await startEchoUpstream();
    port = await deadPort();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-attack-sso-'));
    writeFileSync(join(dir, 'secret'), secret, { mode: 0o600 });
    writeFileSync(join(dir, 'admin'), ADMIN_TOKEN, { mode: 0o600 });
    const config = {
      listeners: [{ name: 'web', port }],
      admin: { port: 0, token: { file: join(dir, 'admin') } },
      audit: { output: { file: join(dir, 'audit.jsonl') } },
      identity: {
        oidc: {
          issuer: idp.issuer,
          clientId: FAKE_CLIENT,
          clientSecret: { file: join(dir, 'secret') },
          allowInsecureIssuer: true,
        },
      },
      policies: { staff: { allow: [{ groups: { anyOf: ['engineering'] } }] } },
      routes: [{ id: 'app', match: { host: APP, path: '/' }, upstream: upstream.url, policy: 'staff' }],
    };
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const logger = pino(
      {
        level: 'debug',
        base: null,
        messageKey: 'message',
        redact: {
          paths: ['*.authorization', '*.cookie', '*.token', '*.password', '*.secret', 'headers', '*.headers'],
          remove: true,
        },
      },
      sink,
    );
    gateway = await Gateway.start({
      configText: stringify(config),
      logger,
      parts: engineParts(),
      watch: false,
    });
    adminUrl = `http://127.0.0.1:${gateway.adminPort}`;
  });
  after(async () => {
    await gateway.shutdown(500);
    await upstream.close();
    await idp.close();
    // The audit trail, complete once Gatehouse has shut down: records, but no credential.
    const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    assert.ok(audit.includes('mallory'), 'audit records were written');
    for (const s of [...issued, secret, ADMIN_TOKEN])
      assert.ok(!audit.includes(s), 'secret in the audit log');
    assert.ok(!/eyJ[\w-]{10,}\.eyJ/.test(audit), 'a JWT in the audit log');
  });

  const issued: string[] = [];

  /** Start a sign-in, make the token endpoint return an ID token built from `claims`, run the callback. */
  async function callbackWith(
    mutate: (base: Record<string, unknown>) => Record<string, unknown>,
    o: { alg?: string; key?: SignKey } = {},
  ) {
    const jar = new CookieJar();
    const r = await send(jar, `${origin()}/.gatehouse/login?rd=%2Fhome`, { headers: NAVIGATE });
    assert.equal(r.status, 302, r.body);
    const auth = new URL(r.location!);
    assert.ok(auth.href.startsWith(`${idp.issuer}/auth?`));
    const now = Math.floor(Date.now() / 1000);
    const base = {
      iss: idp.issuer,
      aud: FAKE_CLIENT,
      sub: 'mallory',
      nonce: auth.searchParams.get('nonce'),
      iat: now,
      exp: now + 300,
      groups: ['engineering'],
    };
    idp.next = { claims: mutate(base), ...o };
    const res = await send(
      jar,
      `${origin()}/.gatehouse/callback?code=c${randomBytes(6).toString('hex')}&state=${auth.searchParams.get('state')}`,
      {
        headers: NAVIGATE,
      },
    );
    const sid = jar.get(APP, SESSION);
    if (sid) issued.push(sid);
    return { res, jar };
  }

  it('a well-formed ID token signs in (the harness works)', async () => {
    const { res, jar } = await callbackWith((b) => b);
    assert.equal(res.status, 302, res.body);
    assert.equal(res.location, `${origin()}/home`);
    assert.ok(jar.get(APP, SESSION));
    const me = await send(jar, `${origin()}/.gatehouse/me`, { headers: JSON_API });
    assert.equal((JSON.parse(me.body) as { subject: string }).subject, 'mallory');
  });

  const forged: [
    string,
    (b: Record<string, unknown>) => Record<string, unknown>,
    { alg?: string; key?: Uint8Array }?,
  ][] = [
    ['aud is another client', (b) => ({ ...b, aud: 'another-client' })],
    ['aud lists us with another client, no azp', (b) => ({ ...b, aud: [FAKE_CLIENT, 'another-client'] })],
    ['nonce of another sign-in', (b) => ({ ...b, nonce: 'not-the-nonce' })],
    ['no nonce', ({ nonce: _n, ...b }) => b],
    ['iss of another provider', (b) => ({ ...b, iss: 'https://evil.test' })],
    ['expired', (b) => ({ ...b, iat: (b.iat as number) - 7200, exp: (b.iat as number) - 3600 })],
    ['no sub', ({ sub: _s, ...b }) => b],
    ['alg none', (b) => b, { alg: 'none' }],
    ['HS256 with the client secret', (b) => b, { alg: 'HS256', key: new Uint8Array(32) }],
  ];
  for (const [label, mutate, o] of forged) {
    it(`callback refuses an ID token: ${label} (401 ERR_LOGIN_FAILED, no session)`, async () => {
      const { res, jar } = await callbackWith(mutate, o ?? {});
      assert.equal(res.status, 401, `${label}: ${res.status} ${res.body.slice(0, 300)}`);
      assert.match(res.body, /ERR_LOGIN_FAILED/);
      assert.equal(jar.get(APP, SESSION), undefined, label);
      assert.equal(res.location, undefined);
      assert.ok(!/eyJ|at-[0-9a-f]{16}|Error:|\bat [\w.<>]+ \(/.test(res.body), `${label}: detail leaked`);
    });
  }

  it('callback with another key (same kid) is refused', async () => {
    const other = await generateKeyPair('RS256');
    const { res, jar } = await callbackWith((b) => b, { key: other.privateKey });
    assert.equal(res.status, 401);
    assert.equal(jar.get(APP, SESSION), undefined);
  });

  async function backchannel(body: string, type = 'application/x-www-form-urlencoded') {
    const r = await request(`http://127.0.0.1:${port}/.gatehouse/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    const text = await r.body.text();
    return { status: r.statusCode, body: text };
  }

  function logoutClaims(over: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: idp.issuer,
      aud: FAKE_CLIENT,
      iat: now,
      exp: now + 120,
      jti: randomBytes(12).toString('hex'),
      sub: 'mallory',
      events: { [BACKCHANNEL_EVENT]: {} },
      ...over,
    };
  }

  it('back-channel logout: a valid token revokes the subject’s sessions; its replay is refused', async () => {
    const { jar } = await callbackWith((b) => b);
    assert.equal((await send(jar, `${origin()}/x`, { headers: JSON_API })).status, 200);
    const token = await idp.sign(logoutClaims());
    const ok = await backchannel(`logout_token=${token}`);
    assert.equal(ok.status, 200, ok.body);
    const after = await send(jar, `${origin()}/x`, { headers: JSON_API });
    assert.equal(errorOf(after.body), 'session-revoked');
    const replay = await backchannel(`logout_token=${token}`);
    assert.equal(replay.status, 400);
    assert.equal(errorOf(replay.body), 'invalid_request');
  });

  const badLogout: [string, () => Promise<string>][] = [
    ['carries a nonce', () => idp.sign(logoutClaims({ nonce: 'n' }))],
    ['aud is another client', () => idp.sign(logoutClaims({ aud: 'another-client' }))],
    ['iss of another provider', () => idp.sign(logoutClaims({ iss: 'https://evil.test' }))],
    ['no events', () => idp.sign(logoutClaims({ events: undefined }))],
    ['events without the back-channel event', () => idp.sign(logoutClaims({ events: { 'urn:other': {} } }))],
    ['event is not an object', () => idp.sign(logoutClaims({ events: { [BACKCHANNEL_EVENT]: 'yes' } }))],
    [
      'expired',
      () =>
        idp.sign(
          logoutClaims({
            iat: Math.floor(Date.now() / 1000) - 7200,
            exp: Math.floor(Date.now() / 1000) - 3600,
          }),
        ),
    ],
    [
      'issued long ago without exp',
      () => idp.sign(logoutClaims({ iat: Math.floor(Date.now() / 1000) - 3600, exp: undefined })),
    ],
    ['no iat', () => idp.sign(logoutClaims({ iat: undefined }))],
    ['no jti', () => idp.sign(logoutClaims({ jti: undefined }))],
    ['neither sub nor sid', () => idp.sign(logoutClaims({ sub: undefined }))],
    ['empty sub', () => idp.sign(logoutClaims({ sub: '' }))],
    ['unsigned (alg none)', async () => unsigned(logoutClaims())],
    [
      'HS256 with the client secret',
      () => idp.sign(logoutClaims(), { alg: 'HS256', key: new TextEncoder().encode(secret) }),
    ],
    [
      'signed by another key under our kid',
      async () => idp.sign(logoutClaims(), { key: (await generateKeyPair('RS256')).privateKey }),
    ],
    ['unknown kid', () => idp.sign(logoutClaims(), { kid: 'nope' })],
    ['truncated signature', async () => (await idp.sign(logoutClaims())).slice(0, -10)],
  ];
  for (const [label, make] of badLogout) {
    it(`back-channel logout refuses a token that ${label} (400 invalid_request)`, async () => {
      const { jar } = await callbackWith((b) => b);
      const r = await backchannel(`logout_token=${await make()}`);
      assert.equal(r.status, 400, `${label}: ${r.status} ${r.body}`);
      assert.deepEqual(JSON.parse(r.body), { error: 'invalid_request' });
      assert.equal(
        (await send(jar, `${origin()}/x`, { headers: JSON_API })).status,
        200,
        `${label}: still signed in`,
      );
    });
  }

  it('back-channel logout: malformed requests fail closed without a 5xx', async () => {
    const token = await idp.sign(logoutClaims({ sub: 'nobody' }));
    const cases: [string, string, string | undefined, number][] = [
      ['two tokens', `logout_token=${token}&logout_token=${token}`, undefined, 400],
      ['JSON body', JSON.stringify({ logout_token: token }), 'application/json', 400],
      ['no content type', `logout_token=${token}`, '', 400],
      ['oversized body', `logout_token=${token}&pad=${'x'.repeat(40_000)}`, undefined, 400],
      ['binary junk', '\u0000\uffff%%%', undefined, 400],
    ];
    for (const [label, body, type, status] of cases) {
      const r = await backchannel(body, type);
      assert.equal(r.status, status, `${label}: ${r.body}`);
    }
    const get = await request(`http://127.0.0.1:${port}/.gatehouse/backchannel-logout`);
    assert.equal(get.statusCode, 405);
    await get.body.dump();
  });

  it('admin API: writes need the admin token; answers never echo it', async () => {
    const { jar } = await callbackWith((b) => b);
    const id = jar.get(APP, SESSION)!;
    const post = async (headers: Record<string, string>, body: string) => {
      const r = await request(`${adminUrl}/sessions/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return { status: r.statusCode, body: await r.body.text(), headers: r.headers };
    };
    const payload = JSON.stringify({ sessionId: id });
    const refused: [string, Record<string, string>][] = [
      ['no token (even from loopback)', {}],
      ['wrong token', { authorization: 'Bearer wrong' }],
      ['token prefix', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
      ['token with extra', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
      ['basic scheme', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
      ['token twice', { authorization: `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}` }],
      ['token in a cookie', { cookie: `token=${ADMIN_TOKEN}` }],
    ];
    for (const [label, headers] of refused) {
      const r = await post(headers, payload);
      assert.equal(r.status, 401, label);
      assert.deepEqual(JSON.parse(r.body), { error: 'admin-unauthenticated' }, label);
      assert.ok(!r.body.includes(ADMIN_TOKEN), label);
    }
    assert.equal((await send(jar, `${origin()}/x`, { headers: JSON_API })).status, 200, 'not revoked');
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const [label, body] of [
      ['not JSON', '{'],
      ['array', '[]'],
      ['oversized', JSON.stringify({ subject: 'x'.repeat(5000) })],
      ['bad session id', JSON.stringify({ sessionId: '../../etc' })],
      ['subject too long', JSON.stringify({ subject: 'x'.repeat(1025) })],
      ['prototype keys', '{"__proto__":{"subject":"mallory"}}'],
    ] as const) {
      const r = await post(auth, body);
      assert.equal(r.status, 400, `${label}: ${r.status} ${r.body}`);
    }
    assert.equal((await send(jar, `${origin()}/x`, { headers: JSON_API })).status, 200, 'still not revoked');
    const ok = await post(auth, payload);
    assert.deepEqual(JSON.parse(ok.body), { revoked: 1 });
    assert.ok(!ok.body.includes(id));
    assert.equal((await send(jar, `${origin()}/x`, { headers: JSON_API })).status, 401);
    for (const path of ['/metrics', '/healthz', '/readyz', '/nope']) {
      const r = await request(`${adminUrl}${path}`);
      const text = await r.body.text();
      assert.ok(r.statusCode < 500, path);
      for (const s of [ADMIN_TOKEN, secret, id]) assert.ok(!text.includes(s), `${path} leaks a secret`);
    }
  });

  it('no log line carries a session id, a token, the client secret or the admin token', () => {
    assert.ok(issued.length > 3);
    const text = logLines.join('');
    for (const s of [...issued, secret, ADMIN_TOKEN]) assert.ok(!text.includes(s), 'secret in the log');
    assert.ok(!/eyJ[\w-]{10,}\.eyJ/.test(text), 'a JWT in the log');
  });
});
