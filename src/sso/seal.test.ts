import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logoutToken, seal, unseal } from './seal.ts';
import { isSessionId, newSessionId, sessionKey } from './session-id.ts';

describe('session ids', () => {
  it('are 43 base64url characters, unique, and keyed by their SHA-256', () => {
    const a = newSessionId();
    const b = newSessionId();
    assert.ok(isSessionId(a.id));
    assert.notEqual(a.id, b.id);
    assert.equal(a.key, sessionKey(a.id));
    assert.notEqual(a.key, a.id);
    assert.equal(isSessionId(`${a.id}x`), false);
    assert.equal(isSessionId(a.id.slice(1)), false);
    assert.equal(isSessionId(`${a.id.slice(1)}=`), false);
  });
});

describe('seal / unseal', () => {
  const { id } = newSessionId();
  const tokens = { refreshToken: 'rt-123', idToken: 'a.b.c' };

  it('round-trips for the same session id', () => {
    assert.deepEqual(unseal(id, seal(id, tokens)), tokens);
  });

  it('the sealed blob does not contain the tokens', () => {
    const blob = seal(id, tokens);
    assert.ok(!blob.includes('rt-123'));
    assert.ok(!Buffer.from(blob, 'base64url').toString('latin1').includes('rt-123'));
  });

  it('refuses another session id, a tampered blob, a truncated blob and an empty one', () => {
    const blob = seal(id, tokens);
    assert.equal(unseal(newSessionId().id, blob), undefined);
    const raw = Buffer.from(blob, 'base64url');
    raw[raw.length - 1]! ^= 1;
    assert.equal(unseal(id, raw.toString('base64url')), undefined);
    assert.equal(unseal(id, blob.slice(0, 20)), undefined);
    assert.equal(unseal(id, ''), undefined);
    assert.equal(unseal(id, '!!!'), undefined);
  });

  it('logout tokens differ per session and are stable for one', () => {
    assert.equal(logoutToken(id), logoutToken(id));
    assert.notEqual(logoutToken(id), logoutToken(newSessionId().id));
  });
});
