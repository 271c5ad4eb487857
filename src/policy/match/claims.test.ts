import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimKeys, resolveClaim, someClaimValue } from './claims.ts';

describe('claim paths', () => {
  it('walks nested objects by own keys only', () => {
    const claims = { a: { b: { c: 1 } }, list: [{ x: 1 }] };
    assert.equal(resolveClaim(claims, claimKeys('a.b.c')), 1);
    assert.equal(resolveClaim(claims, claimKeys('a.x')), undefined);
    assert.equal(resolveClaim(claims, claimKeys('list.0.x')), undefined, 'arrays are not indexed');
    assert.equal(resolveClaim(claims, claimKeys('a.constructor')), undefined);
    assert.equal(resolveClaim(claims, ['a', 'b', 'c']), 1);
  });

  it('someClaimValue tests scalars and array elements', () => {
    assert.equal(
      someClaimValue(['a', 'b'], (v) => v === 'b'),
      true,
    );
    assert.equal(
      someClaimValue('a', (v) => v === 'a'),
      true,
    );
    assert.equal(
      someClaimValue(undefined, () => true),
      false,
    );
  });
});
