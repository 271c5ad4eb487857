import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readClaim } from './claim-path.ts';

describe('readClaim', () => {
  const claims = JSON.parse(
    '{"groups":["a"],"realm_access":{"roles":["admin"]},"kubernetes.io":{"namespace":"pay","serviceaccount":{"name":"api"}},"a.b":1,"a":{"b":2},"__proto__":{"x":1}}',
  );

  it('reads top-level claims and walks into objects with dots', () => {
    assert.deepEqual(readClaim(claims, 'groups'), ['a']);
    assert.deepEqual(readClaim(claims, 'realm_access.roles'), ['admin']);
    assert.equal(readClaim(claims, 'kubernetes.io.namespace'), 'pay');
    assert.equal(readClaim(claims, 'kubernetes.io.serviceaccount.name'), 'api');
  });

  it('prefers a claim whose name holds the dots', () => {
    assert.equal(readClaim(claims, 'a.b'), 1);
  });

  it('is undefined for missing paths, non-objects and inherited members', () => {
    assert.equal(readClaim(claims, 'missing'), undefined);
    assert.equal(readClaim(claims, 'groups.length'), undefined);
    assert.equal(readClaim(claims, 'realm_access.roles.0'), undefined);
    assert.equal(readClaim(claims, 'toString'), undefined);
    assert.equal(readClaim(claims, 'realm_access.constructor'), undefined);
    assert.deepEqual(readClaim(claims, '__proto__'), { x: 1 });
  });
});
