import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupsFrom, keptClaims, readClaim, verifiedEmail } from './claims.ts';

describe('claims', () => {
  it('reads groups from a top-level, nested or dotted-name claim', () => {
    assert.deepEqual(groupsFrom({ groups: ['a', 'b', 'a', 3] }, 'groups'), ['a', 'b']);
    assert.deepEqual(groupsFrom({ realm_access: { roles: ['admin'] } }, 'realm_access.roles'), ['admin']);
    assert.deepEqual(groupsFrom({ 'https://example.com/groups': ['x'] }, 'https://example.com/groups'), [
      'x',
    ]);
    assert.deepEqual(groupsFrom({ groups: 'solo' }, 'groups'), ['solo']);
    assert.deepEqual(groupsFrom({}, 'groups'), []);
    assert.deepEqual(groupsFrom({ groups: { length: 2 } }, 'groups'), []);
  });

  it('never reads the prototype', () => {
    assert.equal(readClaim({}, 'constructor'), undefined);
    assert.equal(readClaim({}, '__proto__'), undefined);
  });

  it('keeps person claims, drops protocol claims and token-carrying distributed claims', () => {
    const kept = keptClaims({
      sub: 'alice',
      iss: 'https://idp',
      email: 'a@x',
      name: 'Alice',
      groups: ['g'],
      nonce: 'n',
      at_hash: 'h',
      sid: 's',
      exp: 1,
      iat: 1,
      aud: 'c',
      auth_time: 1,
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph', access_token: 'secret-token' } },
      huge: 'x'.repeat(9000),
    });
    assert.deepEqual(Object.keys(kept).sort(), ['email', 'groups', 'iss', 'name', 'sub']);
    assert.ok(!JSON.stringify(kept).includes('secret-token'));
  });

  it('an email marked unverified is not used', () => {
    assert.equal(verifiedEmail({ email: 'a@x', email_verified: true }), 'a@x');
    assert.equal(verifiedEmail({ email: 'a@x' }), 'a@x');
    assert.equal(verifiedEmail({ email: 'a@x', email_verified: false }), undefined);
  });
});
