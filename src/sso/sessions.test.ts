import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticatorConformance } from '../identity/conformance.ts';
import { copySessionRecord, MemorySessionStore } from '../state/index.ts';
import { ProviderClient } from './provider.ts';
import { seal } from './seal.ts';
import { createSessionAuthenticator } from './session-authenticator.ts';
import { newSessionId } from './session-id.ts';
import { Sessions } from './sessions.ts';
import { ssoSettings } from './settings.ts';
import { oidcConfig, requestWith } from './test-fixtures.ts';

const NOW = 1_000_000;
const COOKIE = '__Host-gatehouse_session';

function setup(oidc = 'session: { absoluteSeconds: 3600, idleSeconds: 600 }') {
  const settings = ssoSettings(oidcConfig(oidc));
  const store = new MemorySessionStore();
  // A provider nobody listens on: any refresh fails (the tests that need a real one are in test/).
  const provider = new ProviderClient({
    issuer: 'http://127.0.0.1:1',
    clientId: 'gatehouse',
    clientAuth: 'client_secret_basic',
    allowInsecure: true,
    timeoutMs: 500,
    clockSkewSeconds: 30,
  });
  const sessions = new Sessions({ store, provider, settings });
  const add = (over: Record<string, unknown> = {}) => {
    const { id, key } = newSessionId();
    store.put({
      key,
      issuer: 'https://idp.example',
      subject: 'alice',
      email: 'alice@example.com',
      groups: ['engineering'],
      claims: { sub: 'alice', name: 'Alice' },
      authTime: NOW - 10,
      acr: 'urn:pwd',
      amr: ['pwd'],
      createdAt: NOW - 10,
      lastSeenAt: NOW - 10,
      absoluteExpiresAt: NOW + 3_590,
      tokensExpiresAt: NOW + 300,
      sealed: seal(id, { refreshToken: 'rt-secret-value' }),
      version: 1,
      ...over,
    });
    return { id, key, cookie: `${COOKIE}=${id}` };
  };
  return { sessions, store, add };
}

describe('Sessions.lookup', () => {
  it('absent without a cookie; valid with one, synchronously, with a frozen principal', () => {
    const { sessions, add } = setup();
    assert.deepEqual(sessions.lookup(undefined, NOW), { status: 'absent' });
    assert.deepEqual(sessions.lookup('other=1', NOW), { status: 'absent' });
    const { cookie } = add();
    const l = sessions.lookup(`a=1; ${cookie}`, NOW);
    assert.ok(!(l instanceof Promise));
    assert.equal(l.status, 'valid');
    if (l.status !== 'valid') return;
    assert.equal(l.principal.method, 'session');
    assert.equal(l.principal.kind, 'user');
    assert.equal(l.principal.authTime, NOW - 10);
    assert.deepEqual(l.principal.amr, ['pwd']);
    assert.ok(Object.isFrozen(l.principal) && Object.isFrozen(l.principal.groups));
    const again = sessions.lookup(cookie, NOW);
    assert.equal(
      !(again instanceof Promise) && again.status === 'valid' && again.principal,
      l.principal,
      'cached',
    );
  });

  it('denies with the precise reason: malformed, unknown, revoked, absolute, idle', () => {
    const { sessions, store, add } = setup();
    const reason = (cookie: string, now = NOW) => {
      const l = sessions.lookup(cookie, now);
      assert.ok(!(l instanceof Promise));
      return l.status === 'denied' ? l.reason : l.status;
    };
    assert.equal(reason(`${COOKIE}=short`), 'session-invalid');
    assert.equal(reason(`${COOKIE}=${newSessionId().id}`), 'session-invalid');
    const a = add();
    const b = add();
    assert.equal(reason(`${COOKIE}=${a.id}; ${COOKIE}=${b.id}`), 'session-invalid');
    store.revoke(a.key, NOW);
    assert.equal(reason(a.cookie), 'session-revoked');
    const c = add({ absoluteExpiresAt: NOW + 5, tokensExpiresAt: NOW + 5 });
    assert.equal(reason(c.cookie, NOW + 5), 'session-expired');
    const d = add({ lastSeenAt: NOW - 600 });
    assert.equal(reason(d.cookie), 'session-expired');
  });

  it('records activity at most every touch interval (idle timeout follows use)', () => {
    const { sessions, store, add } = setup();
    const s = add({ lastSeenAt: NOW, tokensExpiresAt: NOW + 3_000 });
    sessions.lookup(s.cookie, NOW + 30);
    assert.equal(store.get(s.key)?.lastSeenAt, NOW, 'within the interval: no write');
    sessions.lookup(s.cookie, NOW + 61);
    assert.equal(store.get(s.key)?.lastSeenAt, NOW + 61);
    const later = sessions.lookup(s.cookie, NOW + 61 + 599);
    assert.equal(!(later instanceof Promise) && later.status, 'valid', 'idle counts from the last activity');
  });

  it('expired tokens: concurrent lookups share one refresh; its failure ends the session', async () => {
    const { sessions, store, add } = setup();
    const s = add({ tokensExpiresAt: NOW });
    const pending = Array.from({ length: 20 }, () => sessions.lookup(s.cookie, NOW + 1));
    assert.ok(pending.every((p) => p instanceof Promise));
    assert.equal(sessions.refreshing, 1, 'one refresh for 20 requests');
    const results = await Promise.all(pending);
    assert.ok(results.every((r) => r.status === 'denied' && r.reason === 'session-refresh-failed'));
    assert.ok(!JSON.stringify(results).includes('rt-secret-value'), 'no token in a detail');
    assert.equal(store.get(s.key)?.revokedAt, NOW + 1);
    assert.equal(sessions.refreshing, 0);
  });

  it('expired tokens without a refresh token end the session', async () => {
    const { sessions, add } = setup();
    const s = add({ tokensExpiresAt: NOW });
    const { id } = s;
    const store = sessions.store as MemorySessionStore;
    store.put({ ...copySessionRecord(store.get(s.key)!), sealed: seal(id, {}) });
    const l = await sessions.lookup(s.cookie, NOW + 1);
    assert.equal(l.status === 'denied' && l.reason, 'session-expired');
  });

  it('a failing store denies (session-store-unavailable), never throws', async () => {
    const { sessions, add } = setup();
    const s = add();
    (sessions.store as unknown as { get: () => never }).get = () => {
      throw new Error('disk on fire');
    };
    const l = sessions.lookup(s.cookie, NOW);
    assert.equal(!(l instanceof Promise) && l.status === 'denied' && l.reason, 'session-store-unavailable');
  });
});

authenticatorConformance('session', async () => {
  const { sessions, add } = setup();
  const s = add();
  return {
    authenticator: createSessionAuthenticator(sessions),
    validRequest: requestWith({ cookie: s.cookie }),
    foreignRequest: requestWith({ authorization: 'Bearer x.y.z', cookie: 'theme=dark' }),
    badRequest: requestWith({ cookie: `${COOKIE}=${newSessionId().id}` }),
    nowSeconds: NOW,
    secrets: [s.id, 'rt-secret-value'],
    cleanup: () => {},
  };
});
