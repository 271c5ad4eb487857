/**
 * The shared conformance suite for {@link SessionStore} implementations: every store runs it
 * from its own test file, so memory, SQLite (and later Redis) keep one contract.
 *
 * Imported by tests only: it registers node:test tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SessionRecord, type SessionStore, SessionStoreFullError } from './session-store.ts';

export function sessionRecord(key: string, over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    key,
    issuer: 'https://idp.example',
    subject: 'alice',
    sid: 'op-session-1',
    email: 'alice@example.com',
    groups: ['engineering'],
    claims: { sub: 'alice', name: 'Alice' },
    authTime: 1_000,
    acr: 'urn:pwd',
    amr: ['pwd'],
    createdAt: 1_000,
    lastSeenAt: 1_000,
    absoluteExpiresAt: 1_000 + 43_200,
    tokensExpiresAt: 1_300,
    sealed: 'sealed-blob',
    version: 1,
    ...over,
  };
}

/** Registers the conformance tests for one store. `open` gives a fresh, empty store each time. */
export function sessionStoreConformance(
  name: string,
  open: (options: { maxSessions?: number }) => SessionStore,
): void {
  describe(`${name}: session store conformance`, () => {
    it('puts, gets and replaces a record', async () => {
      const s = open({});
      assert.equal(await s.get('k1'), undefined);
      await s.put(sessionRecord('k1'));
      const got = await s.get('k1');
      assert.equal(got?.subject, 'alice');
      assert.deepEqual(got?.groups, ['engineering']);
      assert.deepEqual(got?.claims, { sub: 'alice', name: 'Alice' });
      assert.deepEqual(got?.amr, ['pwd']);
      await s.put(sessionRecord('k1', { groups: ['admins'], version: 2 }));
      assert.deepEqual((await s.get('k1'))?.groups, ['admins']);
      assert.equal((await s.get('k1'))?.version, 2);
      assert.equal(await s.count(), 1);
      s.close();
    });

    it('touch moves lastSeenAt forward only', async () => {
      const s = open({});
      await s.put(sessionRecord('k1'));
      await s.touch('k1', 1_500);
      assert.equal((await s.get('k1'))?.lastSeenAt, 1_500);
      await s.touch('k1', 1_200);
      assert.equal((await s.get('k1'))?.lastSeenAt, 1_500);
      await s.touch('unknown', 1_600);
      assert.equal(await s.get('unknown'), undefined);
      s.close();
    });

    it('revoke leaves a tombstone without claims or tokens', async () => {
      const s = open({});
      await s.put(sessionRecord('k1'));
      assert.equal(await s.revoke('k1', 2_000), 1);
      assert.equal(await s.revoke('k1', 2_001), 0, 'a second revocation counts nothing');
      const t = await s.get('k1');
      assert.equal(t?.revokedAt, 2_000);
      assert.equal(t?.sealed, '');
      assert.deepEqual(t?.claims, {});
      assert.equal(await s.count(), 0);
      assert.equal(await s.revoke('nope', 2_000), 0);
      s.close();
    });

    it('revokes every session of a subject, optionally of one issuer only', async () => {
      const s = open({});
      await s.put(sessionRecord('a1'));
      await s.put(sessionRecord('a2', { sid: 'op-session-2' }));
      await s.put(sessionRecord('a3', { issuer: 'https://other.example' }));
      await s.put(sessionRecord('b1', { subject: 'bob', sid: 'op-b' }));
      assert.equal(await s.revokeSubject('alice', 'https://idp.example', 2_000), 2);
      assert.equal((await s.get('a3'))?.revokedAt, undefined);
      assert.equal(await s.revokeSubject('alice', undefined, 2_000), 1);
      assert.equal((await s.get('b1'))?.revokedAt, undefined);
      assert.equal(await s.count(), 1);
      s.close();
    });

    it('revokes by provider session id (back-channel logout)', async () => {
      const s = open({});
      await s.put(sessionRecord('a1'));
      await s.put(sessionRecord('a2', { sid: 'op-session-2' }));
      await s.put(sessionRecord('x1', { issuer: 'https://other.example' }));
      assert.equal(await s.revokeSid('https://idp.example', 'op-session-1', 2_000), 1);
      assert.ok((await s.get('a1'))?.revokedAt);
      assert.equal((await s.get('a2'))?.revokedAt, undefined);
      assert.equal((await s.get('x1'))?.revokedAt, undefined, 'same sid, other issuer: untouched');
      s.close();
    });

    it('a replaced record is re-indexed (new sid, new subject)', async () => {
      const s = open({});
      await s.put(sessionRecord('k1'));
      await s.put(sessionRecord('k1', { sid: 'op-new', subject: 'carol' }));
      assert.equal(await s.revokeSid('https://idp.example', 'op-session-1', 2_000), 0);
      assert.equal(await s.revokeSubject('alice', undefined, 2_000), 0);
      assert.equal(await s.revokeSid('https://idp.example', 'op-new', 2_000), 1);
      s.close();
    });

    it('sweeps expired, idle and old tombstones', async () => {
      const s = open({});
      await s.put(sessionRecord('abs', { absoluteExpiresAt: 2_000 }));
      await s.put(sessionRecord('idle', { lastSeenAt: 1_000 }));
      await s.put(sessionRecord('fresh', { lastSeenAt: 1_900 }));
      await s.put(sessionRecord('dead', { absoluteExpiresAt: 5_000 }));
      await s.revoke('dead', 1_100);
      assert.equal(await s.sweep(2_000, 600), 2, 'abs (expired) and idle (1000s idle)');
      assert.equal(await s.get('abs'), undefined);
      assert.equal(await s.get('idle'), undefined);
      assert.ok(await s.get('fresh'));
      assert.ok((await s.get('dead'))?.revokedAt, 'a tombstone stays until its absolute expiry');
      assert.equal(await s.sweep(5_000, 1_000_000), 1);
      assert.equal(await s.get('dead'), undefined);
      assert.equal(await s.count(), 1, 'fresh is still live');
      s.close();
    });

    it('refuses a new session when full of live ones (fail closed), not a replacement', async () => {
      const s = open({ maxSessions: 2 });
      await s.put(sessionRecord('a'));
      await s.put(sessionRecord('b'));
      await assert.rejects(async () => s.put(sessionRecord('c')), SessionStoreFullError);
      await s.put(sessionRecord('a', { version: 2 }));
      await s.revoke('b', 2_000);
      await s.put(sessionRecord('c'));
      assert.equal(await s.count(), 2);
      s.close();
    });
  });
}
