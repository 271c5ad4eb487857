import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRUST_DOMAIN_NAME_PATTERN } from '../config/schema-mtls.ts';
import { isTrustDomainName, parseSpiffeId, SPIFFE_ID_MAX_BYTES } from './spiffe-id.ts';

describe('parseSpiffeId', () => {
  test('valid IDs parse into trust domain and path', () => {
    assert.deepEqual(parseSpiffeId('spiffe://prod.example.org/ns/payments/sa/api'), {
      id: 'spiffe://prod.example.org/ns/payments/sa/api',
      trustDomain: 'prod.example.org',
      path: '/ns/payments/sa/api',
    });
    assert.deepEqual(parseSpiffeId('spiffe://example.org'), {
      id: 'spiffe://example.org',
      trustDomain: 'example.org',
      path: '',
    });
    assert.equal(
      parseSpiffeId('spiffe://a_b-c.9/A.b-C_d/...x/.hidden/x..')?.path,
      '/A.b-C_d/...x/.hidden/x..',
    );
    assert.ok(Object.isFrozen(parseSpiffeId('spiffe://example.org/a')));
  });

  const invalid: [string, string][] = [
    ['', 'empty'],
    ['example.org/a', 'no scheme'],
    ['SPIFFE://example.org/a', 'upper-case scheme'],
    ['Spiffe://example.org/a', 'mixed-case scheme'],
    ['spiffe:/example.org/a', 'one slash'],
    ['spiffe:///a', 'empty trust domain'],
    ['spiffe://', 'nothing after the scheme'],
    ['spiffe://Example.org/a', 'upper-case trust domain'],
    ['spiffe://example.org:8443/a', 'port'],
    ['spiffe://user@example.org/a', 'userinfo'],
    ['spiffe://user:pw@example.org/a', 'userinfo with password'],
    ['spiffe://exa%6Dple.org/a', 'percent-encoded trust domain'],
    ['spiffe://example.org/a%2Fb', 'percent-encoded path'],
    ['spiffe://example.org/', 'trailing slash on the trust domain'],
    ['spiffe://example.org/a/', 'trailing slash'],
    ['spiffe://example.org//a', 'empty segment'],
    ['spiffe://example.org/a//b', 'empty inner segment'],
    ['spiffe://example.org/.', 'dot segment'],
    ['spiffe://example.org/a/./b', 'inner dot segment'],
    ['spiffe://example.org/..', 'dot-dot segment'],
    ['spiffe://example.org/a/../b', 'inner dot-dot segment'],
    ['spiffe://example.org/a?b=c', 'query'],
    ['spiffe://example.org/a#frag', 'fragment'],
    ['spiffe://example.org?x', 'query on the trust domain'],
    ['spiffe://example.org#x', 'fragment on the trust domain'],
    ['spiffe://example.org/a b', 'space'],
    ['spiffe://example.org/caf\u00e9', 'non-ASCII path'],
    ['spiffe://ex\u00e4mple.org/a', 'non-ASCII trust domain'],
    ['spiffe://[::1]/a', 'IP literal'],
    ['spiffe://example.org/a\\b', 'backslash'],
    [' spiffe://example.org/a', 'leading space'],
    ['spiffe://example.org/a\n', 'trailing newline'],
    [`spiffe://${'a'.repeat(256)}/x`, 'trust domain over 255 characters'],
  ];
  for (const [value, why] of invalid) {
    test(`refuses: ${why}`, () => {
      assert.equal(parseSpiffeId(value), undefined);
    });
  }

  test('length limits: 2048 bytes total, 255 characters of trust domain', () => {
    const prefix = 'spiffe://example.org/';
    const longest = prefix + 'a'.repeat(SPIFFE_ID_MAX_BYTES - prefix.length);
    assert.equal(longest.length, 2048);
    assert.ok(parseSpiffeId(longest));
    assert.equal(parseSpiffeId(`${longest}b`), undefined);
    assert.ok(parseSpiffeId(`spiffe://${'a'.repeat(255)}/x`));
  });

  test('non-strings are refused without throwing', () => {
    assert.equal(parseSpiffeId(undefined as unknown as string), undefined);
    assert.equal(parseSpiffeId(42 as unknown as string), undefined);
  });
});

test('the config schema and the parser agree on trust domain names', () => {
  for (const name of [
    'prod.example.org',
    'a',
    'x_y-z.0',
    'Prod.org',
    'a:1',
    '',
    'a/b',
    'a'.repeat(255),
    'a'.repeat(256),
  ]) {
    assert.equal(TRUST_DOMAIN_NAME_PATTERN.test(name), isTrustDomainName(name), name);
  }
});
