/**
 * Single sign-on without a browser: a real OpenID provider (oidc-provider, development
 * configuration) and Gatehouse on loopback, driven by an HTTP client with a cookie jar.
 * Browser flows are in sso-browser.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { newSessionId } from '../src/sso/index.ts';
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

function sessionOf(jar: CookieJar, host = APP): string {
  const v = jar.get(host, SESSION);
  assert.ok(v, `no session cookie for ${host}`);
  return v;
}

function jarWith(value: string, host = APP): CookieJar {
  const jar = new CookieJar();
  jar.set(host, SESSION, value);
  return jar;
}

async function adminPost(stack: SsoStack, path: string, body: unknown, method = 'POST') {
  const res = await request(`${stack.adminUrl}${path}`, {
    method: method as 'POST',
    headers: { 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe('SSO: sign-in, cookies, browsers vs APIs', () => {
  let stack: SsoStack;
  before(async () => {
    stack = await startSsoStack({ oidc: { idTokenHint: true } });
  });
  after(() => stack.close());

  it('a navigation without a session is redirected to sign in, and comes back to the same URL', async () => {
    const r = await send(new CookieJar(), `${stack.origin(APP)}/reports?q=1`, { headers: NAVIGATE });
    assert.equal(r.status, 302);
    const login = new URL(r.location!);
    assert.equal(login.pathname, '/.gatehouse/login');
    assert.equal(login.searchParams.get('rd'), `${stack.origin(APP)}/reports?q=1`);
  });

  it('API calls get 401 with WWW-Authenticate and a JSON login hint, never a redirect', async () => {
    const cases: [string, Record<string, string>][] = [
      ['/x', JSON_API],
      ['/x', { accept: '*/*', 'sec-fetch-mode': 'cors' }],
      ['/x', { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' }],
      ['/api/items', NAVIGATE], // a route listed in apiRoutes
    ];
    for (const [path, headers] of cases) {
      const r = await send(new CookieJar(), `${stack.origin(APP)}${path}`, { headers });
      assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.match(String(r.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
      const body = JSON.parse(r.body) as { error: string; login: string; requestId: string };
      assert.equal(body.error, 'no-rule-matched');
      assert.ok(body.login.startsWith(`${stack.origin(APP)}/.gatehouse/login?rd=`));
      assert.equal(body.requestId, r.headers['x-request-id']);
    }
  });

  it('a CORS preflight is decided by the route policy, not let through globally', async () => {
    const r = await send(new CookieJar(), `${stack.origin(APP)}/x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://other.example',
        'access-control-request-method': 'GET',
        'sec-fetch-mode': 'cors',
      },
    });
    assert.equal(r.status, 401);
    const pub = await send(new CookieJar(), `${stack.origin(APP)}/public/x`, {
      method: 'OPTIONS',
      headers: { origin: 'https://other.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(pub.status, 200, 'a public route answers its own preflight');
  });

  it('signs in; the cookie is a small opaque __Host- id, HttpOnly, Secure, SameSite=Lax; upstreams never see it', async () => {
    const jar = new CookieJar();
    jar.set(APP, 'theme', 'dark');
    const trail: string[] = [];
    const r = await browse(jar, `${stack.origin(APP)}/hello`, { user: 'alice', trail });
    assert.equal(r.status, 200);
    assert.equal(r.url.href, `${stack.origin(APP)}/hello`);
    const echoed = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.ok(echoed.headers['x-gatehouse-assertion'], 'the upstream gets the signed assertion');
    assert.equal(echoed.headers.cookie, 'theme=dark', 'the app’s own cookies pass; Gatehouse’s never do');
    const id = sessionOf(jar);
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    // The authorization request used PKCE S256, state and nonce.
    const authorize = new URL(trail.find((u) => u.includes('/auth?'))!);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
  });

  it('the Set-Cookie attributes, and a cookie that stays small with 500 groups', async () => {
    stack.idp.users.set('carol', {
      password: 'carol-dev-password',
      email: 'carol@example.com',
      name: 'Carol',
      groups: Array.from({ length: 500 }, (_, i) => `group-with-a-long-name-${i}`).concat('engineering'),
    });
    const jar = new CookieJar();
    const setCookies: string[] = [];
    let url = `${stack.origin(APP)}/`;
    for (let i = 0; i < 15; i++) {
      const r = await browse(jar, url, { user: 'carol', maxHops: 1 }).catch(() => undefined);
      if (!r) break;
      setCookies.push(...r.setCookie);
      if (!r.location) break;
      url = r.location;
    }
    const session = setCookies.find((c) => c.startsWith(`${SESSION}=`));
    assert.ok(session, 'session cookie set');
    assert.match(
      session,
      /^__Host-gatehouse_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=43200$/,
    );
    assert.ok(session.length <= 128, `cookie is ${session.length} bytes`);
    const oneGroup = await signIn(stack, 'alice');
    assert.equal(sessionOf(jar).length, sessionOf(oneGroup).length, 'the cookie does not grow with groups');
    const me = await send(jar, `${stack.origin(APP)}/.gatehouse/me`, { headers: JSON_API });
    assert.equal((JSON.parse(me.body) as { groups: string[] }).groups.length, 501);
  });

  it('/.gatehouse/me is the principal as JSON, with no token and no session id', async () => {
    const jar = await signIn(stack, 'alice');
    const me = await send(jar, `${stack.origin(APP)}/.gatehouse/me`, { headers: JSON_API });
    assert.equal(me.status, 200);
    const body = JSON.parse(me.body) as Record<string, unknown>;
    assert.equal(body.subject, 'alice');
    assert.equal(body.email, 'alice@example.com');
    assert.deepEqual(body.groups, ['engineering']);
    assert.equal(body.acr, 'urn:gatehouse:dev:pwd');
    assert.deepEqual(body.amr, ['pwd']);
    assert.equal(typeof body.authTime, 'number');
    assert.ok(!me.body.includes('eyJ'), 'no JWT in the body');
    assert.ok(!me.body.includes(sessionOf(jar)), 'no session id in the body');
    assert.ok(!/token/i.test(Object.keys(body).join(',')));
    const anon = await send(new CookieJar(), `${stack.origin(APP)}/.gatehouse/me`, { headers: JSON_API });
    assert.equal(anon.status, 401);
  });

  it('a signed-in person without access gets the access-denied page (HTML) or 403 JSON (API)', async () => {
    const jar = await signIn(stack, 'alice');
    jar.set(ADMIN, SESSION, sessionOf(jar)); // same session on the admin host (as a hand-off would)
    const page = await send(jar, `${stack.origin(ADMIN)}/settings`, { headers: NAVIGATE });
    assert.equal(page.status, 403);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<h1>Access denied<\/h1>/);
    assert.match(page.body, /group-unauthorized/);
    assert.ok(page.body.includes(String(page.headers['x-request-id'])), 'request id shown');
    assert.match(page.body, /Signed in as <strong>alice@example.com<\/strong>/);
    assert.match(
      page.body,
      /<form method="post" action="\/.gatehouse\/logout"><input type="hidden" name="csrf"/,
    );
    assert.ok(!page.body.includes(sessionOf(jar)), 'no session id in the page');
    assert.ok(
      !/eyJ|http:\/\/127\.0\.0\.1:\d+\/(?!")/.test(page.body.replace(/action="[^"]*"/g, '')),
      'no token or internal URL',
    );
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    const api = await send(jar, `${stack.origin(ADMIN)}/settings`, { headers: JSON_API });
    assert.equal(api.status, 403);
    assert.equal((JSON.parse(api.body) as { error: string }).error, 'no-rule-matched');
  });

  it('rotates the session id at every sign-in; the old id no longer works', async () => {
    const jar = await signIn(stack, 'alice');
    const first = sessionOf(jar);
    await browse(jar, `${stack.origin(APP)}/.gatehouse/login?rd=%2F`, { user: 'alice' });
    const second = sessionOf(jar);
    assert.notEqual(second, first);
    const old = await send(jarWith(first), `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal(old.status, 401);
    assert.equal((JSON.parse(old.body) as { error: string }).error, 'session-revoked');
  });

  it('tampered, truncated, foreign and doubled cookies are refused (API: 401; browser: back to sign-in, cookie cleared)', async () => {
    const jar = await signIn(stack, 'alice');
    const id = sessionOf(jar);
    const flipped = `${id.slice(0, 10)}${id[10] === 'A' ? 'B' : 'A'}${id.slice(11)}`;
    const bad = [
      ['tampered', flipped],
      ['truncated', id.slice(0, 30)],
      ['extended', `${id}AA`],
      ['foreign (well-formed, unknown)', newSessionId().id],
      ['garbage', '"><script>alert(1)</script>'],
    ];
    for (const [label, value] of bad) {
      const api = await send(jarWith(value!), `${stack.origin(APP)}/x`, { headers: JSON_API });
      assert.equal(api.status, 401, label);
      assert.equal((JSON.parse(api.body) as { error: string }).error, 'session-invalid', label);
      const nav = await send(jarWith(value!), `${stack.origin(APP)}/x`, { headers: NAVIGATE });
      assert.equal(nav.status, 302, label);
      assert.ok(
        nav.setCookie.some((c) => c.startsWith(`${SESSION}=;`) && c.includes('Max-Age=0')),
        `${label}: cookie cleared`,
      );
    }
    const doubled = await send(new CookieJar(), `${stack.origin(APP)}/x`, {
      headers: { ...JSON_API, cookie: `${SESSION}=${id}; ${SESSION}=${newSessionId().id}` },
    });
    assert.equal(doubled.status, 401);
    const still = await send(jar, `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal(still.status, 200, 'the real session is unaffected');
  });

  it('state is single-use and bound to the browser that started the sign-in', async () => {
    const jar = new CookieJar();
    let url = `${stack.origin(APP)}/.gatehouse/login?rd=%2Fdone`;
    let callback: string | undefined;
    for (let i = 0; i < 10 && !callback; i++) {
      const r = await browse(jar, url, { user: 'alice', maxHops: 1 });
      if (r.location?.includes('/.gatehouse/callback')) callback = r.location;
      else if (r.location) url = r.location;
      else break;
    }
    assert.ok(callback, 'reached the callback');
    // Another browser (no binding cookie) presenting the callback: refused, and it burns the state.
    const stranger = await send(new CookieJar(), callback, { headers: NAVIGATE });
    assert.equal(stranger.status, 400);
    assert.match(stranger.body, /ERR_LOGIN_STATE_INVALID/);
    assert.equal(jar.get(APP, SESSION), undefined);
    const replay = await send(jar, callback, { headers: NAVIGATE });
    assert.equal(replay.status, 400, 'a used state is refused even in the right browser');
    // A complete sign-in, then its callback replayed.
    const jar2 = new CookieJar();
    url = `${stack.origin(APP)}/.gatehouse/login?rd=%2Fdone`;
    callback = undefined;
    for (let i = 0; i < 10 && !callback; i++) {
      const r = await browse(jar2, url, { user: 'alice', maxHops: 1 });
      if (r.location?.includes('/.gatehouse/callback')) callback = r.location;
      else if (r.location) url = r.location;
    }
    const ok = await send(jar2, callback!, { headers: NAVIGATE });
    assert.equal(ok.status, 302);
    assert.equal(ok.location, `${stack.origin(APP)}/done`);
    const again = await send(jar2, callback!, { headers: NAVIGATE });
    assert.equal(again.status, 400);
    assert.match(again.body, /ERR_LOGIN_STATE_INVALID/);
  });

  it('refuses every open-redirect form after sign-in (and accepts configured hosts)', async () => {
    const evil = [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https:evil.example',
      'https:/evil.example',
      'http://evil.example/',
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,x',
      '/\t/evil.example',
      '%2F%2Fevil.example',
      '/%2Fevil.example',
      '/%5Cevil.example',
      '/%5cevil.example',
      '%252F%252Fevil.example',
      'javascript%3Aalert(1)',
      '/%09/evil.example',
      `http://${APP}:${stack.port}@evil.example/`,
      `http://${APP}.evil.example/`,
    ];
    for (const rd of evil) {
      const r = await send(
        new CookieJar(),
        `${stack.origin(APP)}/.gatehouse/login?rd=${encodeURIComponent(rd)}`,
        {
          headers: NAVIGATE,
        },
      );
      assert.equal(r.status, 400, rd);
      assert.equal(r.location, undefined, rd);
      assert.match(r.body, /ERR_REDIRECT_REFUSED/, rd);
    }
    const foreignHost = await send(new CookieJar(), `http://evil.example:${stack.port}/.gatehouse/login`, {
      headers: NAVIGATE,
    });
    assert.equal(foreignHost.status, 400, 'a sign-in started on a host that is not ours');
    for (const rd of ['/x?y=1', `http://${ADMIN}:${stack.port}/y`]) {
      const r = await send(
        new CookieJar(),
        `${stack.origin(APP)}/.gatehouse/login?rd=${encodeURIComponent(rd)}`,
        {
          headers: NAVIGATE,
        },
      );
      assert.equal(r.status, 302, rd);
      assert.ok(r.location?.startsWith(stack.idp.issuer), rd);
    }
  });

  it('sign-out is a POST with a per-session token, from this site only; then the provider ends its session', async () => {
    const jar = await signIn(stack, 'alice');
    const id = sessionOf(jar);
    const confirm = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, { headers: NAVIGATE });
    assert.equal(confirm.status, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)?.[1];
    assert.ok(csrf);
    assert.equal(
      (await send(jar, `${stack.origin(APP)}/x`, { headers: JSON_API })).status,
      200,
      'GET signs no one out',
    );
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const attempts: [string, Record<string, string>, string][] = [
      ['no token', form, ''],
      ['wrong token', form, 'csrf=AAAAAAAAAAAAAAAAAAAAAAAA'],
      ['cross-site origin', { ...form, origin: 'https://evil.example' }, `csrf=${csrf}`],
      ['cross-site fetch', { ...form, 'sec-fetch-site': 'cross-site' }, `csrf=${csrf}`],
      ['same-site sibling', { ...form, 'sec-fetch-site': 'same-site' }, `csrf=${csrf}`],
    ];
    for (const [label, headers, body] of attempts) {
      const r = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, { method: 'POST', headers, body });
      assert.equal(r.status, 403, label);
      assert.equal(
        (await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: JSON_API })).status,
        200,
        label,
      );
    }
    const out = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { ...form, origin: stack.origin(APP), 'sec-fetch-site': 'same-origin' },
      body: `csrf=${csrf}&rd=${encodeURIComponent('//evil.example')}`,
    });
    assert.equal(out.status, 303);
    const end = new URL(out.location!);
    assert.equal(end.origin, stack.idp.issuer, 'RP-initiated logout at the provider');
    assert.ok(end.searchParams.get('id_token_hint'));
    assert.equal(
      end.searchParams.get('post_logout_redirect_uri'),
      `${stack.origin(APP)}/.gatehouse/signed-out`,
    );
    assert.ok(out.setCookie.some((c) => c.startsWith(`${SESSION}=;`)));
    const after = await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal((JSON.parse(after.body) as { error: string }).error, 'session-revoked');
    // Coming back from the provider: the refused rd is not used.
    const back = await send(
      jar,
      `${stack.origin(APP)}/.gatehouse/signed-out?state=${end.searchParams.get('state')}`,
      {
        headers: NAVIGATE,
      },
    );
    assert.equal(back.status, 200);
    assert.match(back.body, /Signed out/);
  });
});

describe('SSO: refresh, single-flight, rotation', () => {
  let stack: SsoStack;
  before(async () => {
    stack = await startSsoStack({ accessTokenTtlSeconds: 600 });
  });
  after(() => stack.close());

  it('20 concurrent requests after the tokens expired: one refresh (rotated refresh token), nobody logged out', async () => {
    const jar = await signIn(stack, 'alice');
    for (let round = 1; round <= 3; round++) {
      const before = { ...stack.idp.grants };
      stack.clock.offset += 601;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          send(jar, `${stack.origin(APP)}/r${round}/${i}`, { headers: JSON_API }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        Array(20).fill(200),
        `round ${round}: ${results.map((r) => r.body.slice(0, 80)).join(' | ')}`,
      );
      assert.equal(
        stack.idp.grants.refresh_token - before.refresh_token,
        1,
        `round ${round}: exactly one refresh`,
      );
      assert.equal(stack.idp.grants.refresh_failed, 0, 'no refresh token was used twice');
      assert.equal(stack.sso.context.sessions.refreshing, 0);
    }
  });

  it('refreshes in the background shortly before expiry, without holding the request', async () => {
    const jar = await signIn(stack, 'alice');
    const before = stack.idp.grants.refresh_token;
    stack.clock.offset += 560; // inside refreshBeforeSeconds (60) of the 600 s token
    const r = await send(jar, `${stack.origin(APP)}/bg`, { headers: JSON_API });
    assert.equal(r.status, 200);
    for (let i = 0; i < 100 && stack.sso.context.sessions.refreshing > 0; i++)
      await new Promise((res) => setImmediate(res));
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(stack.idp.grants.refresh_token - before, 1);
    const record = await stack.sso.context.sessions.store.get(
      (await import('../src/sso/index.ts')).sessionKey(sessionOf(jar)),
    );
    assert.equal(record?.version, 2);
  });

  it('groups and claims follow the provider on refresh', async () => {
    const jar = await signIn(stack, 'alice');
    jar.set(ADMIN, SESSION, sessionOf(jar));
    assert.equal((await send(jar, `${stack.origin(ADMIN)}/`, { headers: JSON_API })).status, 403);
    const alice = stack.idp.users.get('alice')!;
    alice.groups = ['engineering', 'admins'];
    try {
      stack.clock.offset += 601;
      assert.equal((await send(jar, `${stack.origin(ADMIN)}/`, { headers: JSON_API })).status, 200);
      const me = JSON.parse((await send(jar, `${stack.origin(APP)}/.gatehouse/me`)).body) as {
        groups: string[];
      };
      assert.deepEqual(me.groups, ['engineering', 'admins']);
    } finally {
      alice.groups = ['engineering'];
    }
  });

  it('a failed refresh ends the session', async () => {
    stack.idp.users.set('dave', {
      password: 'dave-dev-password',
      email: 'dave@example.com',
      name: 'Dave',
      groups: ['engineering'],
    });
    const jar = await signIn(stack, 'dave');
    const id = sessionOf(jar);
    stack.idp.users.delete('dave'); // the provider no longer knows the account: refresh is refused
    stack.clock.offset += 601;
    const r = await send(jar, `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal(r.status, 401);
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'session-refresh-failed');
    const next = await send(jarWith(id), `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal((JSON.parse(next.body) as { error: string }).error, 'session-revoked');
  });
});

describe('SSO: revocation (admin API, back-channel logout) and expiry', () => {
  let stack: SsoStack;
  before(async () => {
    stack = await startSsoStack({ oidc: { session: { absoluteSeconds: 900, idleSeconds: 300 } } });
  });
  after(() => stack.close());

  it('the admin API revokes every session of a subject: the next request is refused', async () => {
    const a1 = await signIn(stack, 'alice');
    const a2 = await signIn(stack, 'alice');
    const bob = await signIn(stack, 'bob');
    const r = await adminPost(stack, '/sessions/revoke', { subject: 'alice' });
    assert.equal(r.status, 200);
    assert.ok((r.body.revoked as number) >= 2);
    for (const jar of [a1, a2]) {
      const api = await send(jar, `${stack.origin(APP)}/x`, { headers: JSON_API });
      assert.equal((JSON.parse(api.body) as { error: string }).error, 'session-revoked');
      const nav = await send(jar, `${stack.origin(APP)}/x`, { headers: NAVIGATE });
      assert.equal(nav.status, 302, 'a navigation goes back to sign in');
    }
    assert.equal(
      (await send(bob, `${stack.origin(APP)}/x`, { headers: JSON_API })).status,
      200,
      'bob unaffected',
    );
  });

  it('the admin API revokes one session by id; bad requests are refused', async () => {
    const one = await signIn(stack, 'bob');
    const other = await signIn(stack, 'bob');
    const r = await adminPost(stack, '/sessions/revoke', { sessionId: sessionOf(one) });
    assert.deepEqual(r, { status: 200, body: { revoked: 1 } });
    assert.equal((await send(one, `${stack.origin(APP)}/x`, { headers: JSON_API })).status, 401);
    assert.equal((await send(other, `${stack.origin(APP)}/x`, { headers: JSON_API })).status, 200);
    assert.equal((await adminPost(stack, '/sessions/revoke', { sessionId: 'short' })).status, 400);
    assert.equal((await adminPost(stack, '/sessions/revoke', {})).status, 400);
    assert.equal((await adminPost(stack, '/sessions/revoke', null, 'GET')).status, 405);
  });

  it('back-channel logout (verified logout token) revokes the matching sessions; replays and forgeries are refused', async () => {
    const alice = await signIn(stack, 'alice');
    const bob = await signIn(stack, 'bob');
    const sent = await stack.idp.backchannelLogout('alice');
    assert.ok(sent >= 1);
    const api = await send(alice, `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal((JSON.parse(api.body) as { error: string }).error, 'session-revoked');
    assert.equal((await send(bob, `${stack.origin(APP)}/x`, { headers: JSON_API })).status, 200);
    const token = stack.logoutTokens.at(-1)!;
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      send(new CookieJar(), `http://127.0.0.1:${stack.port}/.gatehouse/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
    assert.equal((await post(`logout_token=${token}`)).status, 400, 'replayed jti');
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'bob', jti: 'new' })).toString('base64url')}.${sig}`;
    assert.equal((await post(`logout_token=${forged}`)).status, 400, 'altered payload');
    assert.equal((await post('logout_token=not.a.jwt')).status, 400);
    assert.equal((await post('')).status, 400);
    assert.equal((await post(`logout_token=${token}`, 'application/json')).status, 400);
    assert.equal(
      (await send(bob, `${stack.origin(APP)}/x`, { headers: JSON_API })).status,
      200,
      'bob still signed in',
    );
  });

  it('idle timeout and absolute lifetime end sessions (injected clock)', async () => {
    const idle = await signIn(stack, 'alice');
    stack.clock.offset += 301;
    const r = await send(idle, `${stack.origin(APP)}/x`, { headers: JSON_API });
    assert.equal((JSON.parse(r.body) as { error: string }).error, 'session-expired');

    const busy = await signIn(stack, 'alice');
    for (let i = 0; i < 3; i++) {
      stack.clock.offset += 250; // active every 250 s: never idle for 300 s
      const step = await send(busy, `${stack.origin(APP)}/x`, { headers: JSON_API });
      assert.equal(step.status, 200, `step ${i}: ${step.body}`);
    }
    stack.clock.offset += 250; // 1000 s after sign-in: past the 900 s absolute lifetime
    const end = await send(busy, `${stack.origin(APP)}/x`, { headers: NAVIGATE });
    assert.equal(end.status, 302);
    assert.ok(end.location?.includes('/.gatehouse/login'));
  });
});

describe('SSO: step-up for APIs', () => {
  let stack: SsoStack;
  before(async () => {
    stack = await startSsoStack();
  });
  after(() => stack.close());

  it('a challenge answers an API with RFC 9470 insufficient_user_authentication; a browser goes to a stronger sign-in', async () => {
    const jar = await signIn(stack, 'alice');
    const api = await send(jar, `${stack.origin(APP)}/sensitive/data`, { headers: JSON_API });
    assert.equal(api.status, 401);
    const www = String(api.headers['www-authenticate']);
    assert.match(www, /error="insufficient_user_authentication"/);
    assert.match(www, /acr_values="urn:gatehouse:dev:mfa"/);
    assert.match(www, /max_age=300/);
    const nav = await send(jar, `${stack.origin(APP)}/sensitive/data`, { headers: NAVIGATE });
    assert.equal(nav.status, 302);
    const login = new URL(nav.location!);
    assert.equal(login.searchParams.get('acr_values'), 'urn:gatehouse:dev:mfa');
    assert.equal(login.searchParams.get('max_age'), '300');
    const toIdp = await send(jar, login.href, { headers: NAVIGATE });
    const authorize = new URL(toIdp.location!);
    assert.equal(authorize.searchParams.get('prompt'), 'login');
    assert.equal(authorize.searchParams.get('max_age'), '300');
    assert.equal(authorize.searchParams.get('acr_values'), 'urn:gatehouse:dev:mfa');
    // With the second factor, the sign-in resumes the original request.
    const done = await browse(jar, login.href, { user: 'alice', otp: '123456' });
    assert.equal(done.status, 200);
    assert.equal(done.url.href, `${stack.origin(APP)}/sensitive/data`);
  });
});
