/**
 * One Gatehouse, many hosts: the per-host hand-off through the auth host, and sessions that
 * survive a restart with the SQLite store. Real provider, no browser.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteSessionStore } from '../src/state/index.ts';
import { deadPort } from './helpers/raw-http.ts';
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
} from './helpers/sso.ts';

describe('SSO across hosts: hand-off through the auth host', () => {
  let stack: SsoStack;
  before(async () => {
    const port = await deadPort();
    stack = await startSsoStack({ port, oidc: { authHost: `${AUTH}:${port}` } });
  });
  after(() => stack.close());

  it('signs in once at the auth host; each host receives the session by a one-time code', async () => {
    const jar = new CookieJar();
    const trail: string[] = [];
    const r = await browse(jar, `${stack.origin(APP)}/hello`, { user: 'bob', trail });
    assert.equal(r.status, 200);
    assert.equal(r.url.href, `${stack.origin(APP)}/hello`);
    assert.ok(
      trail.some((u) => u.startsWith(`${stack.origin(AUTH)}/.gatehouse/callback`)),
      'callback on the auth host',
    );
    assert.ok(trail.some((u) => u.startsWith(`${stack.origin(APP)}/.gatehouse/handoff?code=`)));
    assert.ok(
      !trail.some((u) => u.includes(jar.get(APP, SESSION)!)),
      'the session id never appears in a URL',
    );
    assert.equal(jar.get(AUTH, SESSION), jar.get(APP, SESSION), 'one session, cookies on both hosts');

    const codes = stack.idp.grants.authorization_code;
    const admin = await browse(jar, `${stack.origin(ADMIN)}/panel`, { trail });
    assert.equal(admin.status, 200, 'bob is an admin');
    assert.equal(stack.idp.grants.authorization_code, codes, 'no second sign-in at the provider');
    assert.equal(jar.get(ADMIN, SESSION), jar.get(APP, SESSION));
  });

  it('hand-off codes are single-use and bound to the browser that asked', async () => {
    const jar = await signIn(stack, 'alice');
    const steps: string[] = [];
    let url = `${stack.origin(ADMIN)}/x`;
    let handoff: string | undefined;
    for (let i = 0; i < 8 && !handoff; i++) {
      const r = await browse(jar, url, { maxHops: 1 });
      steps.push(url);
      if (r.location?.includes('/.gatehouse/handoff?')) handoff = r.location;
      else if (r.location) url = r.location;
      else break;
    }
    assert.ok(handoff, `no hand-off in ${steps.join(' -> ')}`);
    const thief = await send(new CookieJar(), handoff, { headers: NAVIGATE });
    assert.equal(thief.status, 400, 'another browser cannot use the code');
    assert.match(thief.body, /ERR_HANDOFF_INVALID/);
    const replay = await send(jar, handoff, { headers: NAVIGATE });
    assert.equal(replay.status, 400, 'a used code (and its state) is refused');
    assert.equal(jar.get(ADMIN, SESSION), undefined);
  });

  it('a hand-off request for a host that is not configured is refused', async () => {
    const jar = await signIn(stack, 'alice');
    const r = await send(
      jar,
      `${stack.origin(AUTH)}/.gatehouse/login?handoff=${'A'.repeat(43)}&host=evil.example`,
      {
        headers: NAVIGATE,
      },
    );
    assert.equal(r.status, 400);
    assert.equal(r.location, undefined);
  });

  it('signing out on one host ends the session on every host', async () => {
    const jar = new CookieJar();
    await browse(jar, `${stack.origin(APP)}/`, { user: 'bob' });
    await browse(jar, `${stack.origin(ADMIN)}/`);
    assert.equal((await send(jar, `${stack.origin(ADMIN)}/x`, { headers: JSON_API })).status, 200);
    const confirm = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, { headers: NAVIGATE });
    const csrf = /name="csrf" value="([^"]+)"/.exec(confirm.body)![1]!;
    const out = await send(jar, `${stack.origin(APP)}/.gatehouse/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: stack.origin(APP) },
      body: `csrf=${csrf}`,
    });
    assert.equal(out.status, 303);
    const end = new URL(out.location!);
    assert.equal(end.searchParams.get('client_id'), 'gatehouse-test');
    assert.equal(end.searchParams.get('id_token_hint'), null, 'no ID token kept unless idTokenHint');
    const admin = await send(jar, `${stack.origin(ADMIN)}/x`, { headers: JSON_API });
    assert.equal(admin.status, 401);
    assert.equal((JSON.parse(admin.body) as { error: string }).error, 'session-revoked');
  });
});

describe('SSO with the SQLite store: a restart keeps everyone signed in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sso-sqlite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the same cookie works after Gatehouse restarts; a revoked one stays revoked', async () => {
    const path = join(dir, 'sessions.db');
    const first = await startSsoStack({ store: new SqliteSessionStore({ path }) });
    let second: SsoStack | undefined;
    try {
      const alice = await signIn(first, 'alice');
      const bob = await signIn(first, 'bob');
      assert.equal((await send(alice, `${first.origin(APP)}/x`, { headers: JSON_API })).status, 200);
      const revoked = await send(bob, `${first.origin(APP)}/x`, { headers: JSON_API });
      assert.equal(revoked.status, 200);
      await first.sso.context.sessions.store.revokeSubject('bob', undefined, first.clock.now());
      await first.gateway.shutdown(500);
      first.sso.close();
      first.sso.context.sessions.store.close();

      second = await startSsoStack({
        store: new SqliteSessionStore({ path }),
        idp: first.idp,
        upstream: first.upstream,
        port: first.port,
      });
      const codes = first.idp.grants.authorization_code;
      const again = await send(alice, `${second.origin(APP)}/x`, { headers: JSON_API });
      assert.equal(again.status, 200, again.body);
      assert.equal(first.idp.grants.authorization_code, codes, 'no new sign-in');
      const bobAgain = await send(bob, `${second.origin(APP)}/x`, { headers: JSON_API });
      assert.equal((JSON.parse(bobAgain.body) as { error: string }).error, 'session-revoked');
    } finally {
      await second?.close();
      second?.sso.context.sessions.store.close();
      await first.close();
    }
  });
});
