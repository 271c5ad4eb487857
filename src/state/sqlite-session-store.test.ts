import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sessionRecord, sessionStoreConformance } from './session-store.conformance.ts';
import { SqliteSessionStore } from './sqlite-session-store.ts';

sessionStoreConformance('SqliteSessionStore', (o) => new SqliteSessionStore({ path: ':memory:', ...o }));

describe('SqliteSessionStore persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sessions-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps sessions, tombstones and activity across a reopen; drops expired rows', () => {
    const path = join(dir, 'sessions.db');
    const a = new SqliteSessionStore({ path });
    a.put(sessionRecord('live', { groups: ['a', 'b'], claims: { sub: 'alice', nested: { x: [1] } } }));
    a.put(sessionRecord('gone', { sid: 'op-2' }));
    a.put(sessionRecord('old', { absoluteExpiresAt: 1_500 }));
    a.put(sessionRecord('bob', { subject: 'bob', sid: 'op-b' }));
    a.touch('live', 1_234);
    a.revoke('gone', 1_100);
    a.close();
    assert.equal(statSync(path).mode & 0o777, 0o600, 'the database is owner-only');

    const b = new SqliteSessionStore({ path, nowSeconds: 1_600 });
    const live = b.get('live');
    assert.deepEqual(live?.groups, ['a', 'b']);
    assert.deepEqual(live?.claims, { sub: 'alice', nested: { x: [1] } });
    assert.equal(live?.lastSeenAt, 1_234);
    assert.equal(live?.sealed, 'sealed-blob');
    assert.equal(b.get('gone')?.revokedAt, 1_100);
    assert.equal(b.get('old'), undefined, 'expired before the reopen: dropped');
    assert.equal(b.count(), 2);
    // revocations by subject and by sid reach the file too
    b.revokeSubject('bob', undefined, 1_700);
    b.revokeSid('https://idp.example', 'op-session-1', 1_700);
    b.close();
    const c = new SqliteSessionStore({ path, nowSeconds: 1_800 });
    assert.equal(c.get('bob')?.revokedAt, 1_700);
    assert.equal(c.get('live')?.revokedAt, 1_700);
    assert.equal(c.get('live')?.sealed, '');
    assert.equal(c.count(), 0);
    c.close();
  });
});
