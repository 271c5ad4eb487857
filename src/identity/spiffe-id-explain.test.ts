import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainSpiffeId as parseSpiffeId } from './spiffe-id.ts';

describe('parseSpiffeId', () => {
  it('splits a valid ID into trust domain and path', () => {
    const result = parseSpiffeId('spiffe://example.org/ns/x/sa/y', true);
    assert.deepEqual(result, {
      ok: true,
      id: { id: 'spiffe://example.org/ns/x/sa/y', trustDomain: 'example.org', path: '/ns/x/sa/y' },
    });
    assert.ok(result.ok && Object.isFrozen(result.id));
    assert.equal(parseSpiffeId('spiffe://my_td-1.example/A.b-c_D', true).ok, true);
  });

  it('accepts a trust-domain-only ID only when no path is required', () => {
    assert.equal(parseSpiffeId('spiffe://example.org', false).ok, true);
    assert.equal(parseSpiffeId('spiffe://example.org', true).ok, false);
  });

  const invalid: [string, unknown][] = [
    ['not a string', 42],
    ['wrong scheme', 'https://example.org/x'],
    ['upper-case scheme', 'SPIFFE://example.org/x'],
    ['no trust domain', 'spiffe:///x'],
    ['upper-case trust domain', 'spiffe://Example.org/x'],
    ['port', 'spiffe://example.org:8443/x'],
    ['userinfo', 'spiffe://user@example.org/x'],
    ['query', 'spiffe://example.org/x?y=1'],
    ['fragment', 'spiffe://example.org/x#y'],
    ['percent-encoding', 'spiffe://example.org/a%20b'],
    ['empty segment', 'spiffe://example.org/a//b'],
    ['trailing slash', 'spiffe://example.org/a/'],
    ['dot segment', 'spiffe://example.org/a/./b'],
    ['dot-dot segment', 'spiffe://example.org/a/../b'],
    ['bad path character', 'spiffe://example.org/a:b'],
    ['too long', `spiffe://example.org/${'a'.repeat(2048)}`],
    ['trust domain too long', `spiffe://${'a'.repeat(256)}/x`],
  ];
  for (const [name, value] of invalid) {
    it(`refuses ${name}`, () => {
      const result = parseSpiffeId(value, true);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.detail.startsWith('invalid SPIFFE ID: '));
    });
  }
});
