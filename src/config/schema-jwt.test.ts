import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { IdentitySchema } from './schema-identity.ts';
import { DEFAULT_JWT_ALGORITHMS, isAllowedKeyUrl, JwtIssuerSchema, JwtIssuersSchema } from './schema-jwt.ts';

const base = {
  name: 'k8s',
  issuer: 'https://kubernetes.default.svc.cluster.local',
  audiences: ['gatehouse'],
};

function messages(result: { success: boolean; error?: z.ZodError }): string[] {
  return result.error?.issues.map((i) => `${i.path.join('/')}: ${i.message}`) ?? [];
}

describe('identity.jwt schema', () => {
  it('applies the documented defaults', () => {
    const parsed = JwtIssuerSchema.parse({ ...base, jwksUrl: 'https://k8s.example/openid/v1/jwks' });
    assert.deepEqual(parsed.algorithms, DEFAULT_JWT_ALGORITHMS);
    assert.equal(parsed.clockSkewSeconds, 30);
    assert.equal(parsed.maxLifetimeSeconds, 3600);
    assert.equal(parsed.groupsClaim, 'groups');
    assert.equal(parsed.kind, 'workload');
    assert.equal(parsed.maxTokenBytes, 8192);
    assert.equal(parsed.jwksCacheSeconds, 300);
    assert.equal(parsed.jwksStaleSeconds, 3600);
    assert.equal(parsed.jwksRefetchCooldownSeconds, 30);
    assert.equal(parsed.jwksTimeoutMs, 5000);
    assert.deepEqual(parsed.replay, { enabled: false });
    assert.equal(parsed.discovery, false);
  });

  it('is reachable as identity.jwt with an empty default and a token cache size', () => {
    const identity = IdentitySchema.parse({});
    assert.deepEqual(identity.jwt, []);
    assert.equal(identity.jwtTokenCacheSize, 10_000);
  });

  for (const alg of ['HS256', 'HS384', 'HS512', 'none', 'None']) {
    it(`refuses algorithm ${alg} with a message that says why`, () => {
      const result = JwtIssuerSchema.safeParse({
        ...base,
        jwksUrl: 'https://x.example/jwks',
        algorithms: [alg],
      });
      assert.equal(result.success, false);
      assert.match(
        messages(result).join('\n'),
        /algorithms\/0: .*HS\* \(shared secret\) and none are refused/,
      );
    });
  }

  it('requires at least one audience', () => {
    const result = JwtIssuerSchema.safeParse({ ...base, audiences: [], jwksUrl: 'https://x.example/jwks' });
    assert.equal(result.success, false);
    assert.match(messages(result).join('\n'), /^audiences: /m);
    assert.equal(
      JwtIssuerSchema.safeParse({ name: 'a', issuer: 'i', jwksUrl: 'https://x.example/j' }).success,
      false,
    );
  });

  it('requires exactly one key source', () => {
    assert.match(messages(JwtIssuerSchema.safeParse(base)).join('\n'), /exactly one key source/);
    const two = JwtIssuerSchema.safeParse({
      ...base,
      jwksUrl: 'https://x.example/jwks',
      jwksFile: '/etc/jwks.json',
    });
    assert.match(messages(two).join('\n'), /exactly one key source/);
    assert.equal(JwtIssuerSchema.safeParse({ ...base, jwksFile: '/etc/jwks.json' }).success, true);
    assert.equal(JwtIssuerSchema.safeParse({ ...base, discovery: true }).success, true);
  });

  it('refuses plain http to anything but loopback', () => {
    const remote = JwtIssuerSchema.safeParse({ ...base, jwksUrl: 'http://jwks.example.com/keys' });
    assert.match(messages(remote).join('\n'), /^jwksUrl: expected an https:\/\/ URL/m);
    assert.equal(JwtIssuerSchema.safeParse({ ...base, jwksUrl: 'http://127.0.0.1:8080/keys' }).success, true);
    const discovery = JwtIssuerSchema.safeParse({
      ...base,
      issuer: 'http://idp.example.com',
      discovery: true,
    });
    assert.match(messages(discovery).join('\n'), /^issuer: discovery needs an issuer URL/m);
  });

  it('classifies key URLs', () => {
    assert.equal(isAllowedKeyUrl('https://idp.example.com/jwks'), true);
    assert.equal(isAllowedKeyUrl('http://localhost:3000/jwks'), true);
    assert.equal(isAllowedKeyUrl('http://[::1]:3000/jwks'), true);
    assert.equal(isAllowedKeyUrl('http://127.0.0.1.example.com/jwks'), false);
    assert.equal(isAllowedKeyUrl('http://10.0.0.1/jwks'), false);
    assert.equal(isAllowedKeyUrl('https://user:pw@idp.example.com/jwks'), false);
    assert.equal(isAllowedKeyUrl('file:///etc/passwd'), false);
    assert.equal(isAllowedKeyUrl('not a url'), false);
  });

  it('accepts requiredClaims as a list of names or a map of expected values', () => {
    const list = JwtIssuerSchema.parse({ ...base, jwksFile: '/k', requiredClaims: ['repository', 'ref'] });
    assert.deepEqual(list.requiredClaims, ['repository', 'ref']);
    const map = JwtIssuerSchema.parse({
      ...base,
      jwksFile: '/k',
      requiredClaims: {
        repository_owner: 'acme',
        ref: ['refs/heads/main', 'refs/heads/release'],
        'x.y': true,
      },
    });
    assert.deepEqual(map.requiredClaims, {
      repository_owner: 'acme',
      ref: ['refs/heads/main', 'refs/heads/release'],
      'x.y': true,
    });
    assert.equal(
      JwtIssuerSchema.safeParse({ ...base, jwksFile: '/k', requiredClaims: { a: { b: 1 } } }).success,
      false,
    );
  });

  it('rejects unknown keys (typos) and duplicate names or issuers with pointers', () => {
    assert.match(
      messages(JwtIssuerSchema.safeParse({ ...base, jwksFile: '/k', audience: ['x'] })).join('\n'),
      /audience/,
    );
    const dup = JwtIssuersSchema.safeParse([
      { ...base, jwksFile: '/k' },
      { ...base, jwksFile: '/k' },
    ]);
    const text = messages(dup).join('\n');
    assert.match(text, /^1\/name: duplicate issuer name "k8s"/m);
    assert.match(text, /^1\/issuer: another entry already has this issuer/m);
  });

  it('produces a JSON Schema for editors', () => {
    const json = z.toJSONSchema(JwtIssuersSchema, { io: 'input' }) as { items?: { properties?: object } };
    assert.ok(json.items?.properties && 'jwksStaleSeconds' in json.items.properties);
  });
});
