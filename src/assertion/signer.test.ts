import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { AssertionSchema } from '../config/schema-assertion.ts';
import type { Principal } from '../model/index.ts';
import { claimFragment } from './claims.ts';
import { KeyRing } from './key-ring.ts';
import { AssertionSigner, plainClaimHeaders, type RouteAssertion } from './signer.ts';

const alice: Principal = Object.freeze({
  kind: 'user',
  subject: 'alice',
  issuer: 'https://idp.example',
  method: 'session',
  groups: Object.freeze(['engineering', 'sre']),
  claims: Object.freeze({ tenant: 'acme', secret_stuff: 'x' }),
  email: 'alice@example.com',
  source: 'idp',
});

const route: RouteAssertion = {
  enabled: true,
  audience: 'http://app.ns.svc.cluster.local:8080',
  claims: ['email', 'groups', 'tenant'],
  maxBytes: 4096,
  claimsKey: 'email,groups,tenant',
};

function ring(config: Record<string, unknown> = {}, now = 1_000_000) {
  const r = new KeyRing();
  const p = r.prepare(AssertionSchema.parse(config), now);
  assert.deepEqual(
    p.problems.filter((x) => x.severity === 'error'),
    [],
  );
  p.commit();
  return r;
}

function keyFile(type: 'ec' | 'ed25519'): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-key-'));
  const { privateKey } =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  const file = join(dir, 'key.pem');
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return file;
}

describe('assertion signer', () => {
  it('signs an ES256 assertion that verifies against the JWKS with the contract claims', async () => {
    const now = 1_000_000;
    const r = ring({}, now);
    const signer = new AssertionSigner(r, { issuer: 'https://gatehouse.example', ttlSeconds: 60 });
    const token = signer.sign(
      alice,
      route,
      { method: 'POST', host: 'app.example.com', path: '/v1/items' },
      now,
    );
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(r.jwks(now) as never), {
      issuer: 'https://gatehouse.example',
      audience: route.audience,
      currentDate: new Date(now * 1000),
      typ: 'gatehouse-assertion+jwt',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.kind, 'user');
    assert.equal(payload.auth_method, 'session');
    assert.equal(payload.email, 'alice@example.com');
    assert.deepEqual(payload.groups, ['engineering', 'sre']);
    assert.equal(payload.tenant, 'acme');
    assert.equal(payload.secret_stuff, undefined, 'only requested claims are sent');
    assert.equal(payload.exp! - payload.iat!, 60);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.deepEqual(payload.req, {
      m: 'POST',
      h: 'app.example.com',
      p: createHash('sha256').update('/v1/items').digest('base64url'),
    });
  });

  it('signs EdDSA with a key from a file and publishes it by kid', async () => {
    const now = 2_000_000;
    const r = ring({ keys: [{ file: keyFile('ed25519'), kid: 'k1' }] }, now);
    const signer = new AssertionSigner(r, { issuer: 'https://g', ttlSeconds: 30 });
    const token = signer.sign(alice, route, { method: 'GET', host: 'h', path: '/' }, now);
    const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(r.jwks(now) as never), {
      currentDate: new Date(now * 1000),
    });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(protectedHeader.kid, 'k1');
  });

  it('reuses an assertion for an identical request within half its lifetime, not after', () => {
    const r = ring();
    const signer = new AssertionSigner(r, { issuer: 'https://g', ttlSeconds: 60 });
    const req = { method: 'GET', host: 'h', path: '/a' };
    const t1 = signer.sign(alice, route, req, 1_000_000);
    assert.equal(signer.sign(alice, route, req, 1_000_029), t1);
    assert.notEqual(signer.sign(alice, route, { ...req, path: '/b' }, 1_000_029), t1);
    assert.notEqual(signer.sign(alice, route, req, 1_000_031), t1);
  });

  it('signs an anonymous assertion for a public route without a principal', async () => {
    const r = ring();
    const signer = new AssertionSigner(r, { issuer: 'https://g', ttlSeconds: 60 });
    const token = signer.sign(undefined, route, { method: 'GET', host: 'h', path: '/' }, 1_000_000);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.sub, 'anonymous');
    assert.equal(payload.kind, 'anonymous');
  });

  it('trims groups first, then claims, to fit the size budget, and says so', () => {
    const many = { ...alice, groups: Array.from({ length: 500 }, (_, i) => `group-number-${i}`) };
    const trims: unknown[] = [];
    const signer = new AssertionSigner(ring(), {
      issuer: 'https://g',
      ttlSeconds: 60,
      onTrim: (e) => trims.push(e),
    });
    const small = { ...route, maxBytes: 1024, claimsKey: 'small' };
    const token = signer.sign(many, small, { method: 'GET', host: 'h', path: '/' }, 1_000_000);
    assert.ok(token.length <= 1024, `token is ${token.length} bytes`);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.groups_truncated, true);
    assert.equal(payload.groups_count, 500);
    assert.ok(payload.groups.length > 0 && payload.groups.length < 500);
    assert.equal(payload.sub, 'alice');
    assert.equal(trims.length, 1);
  });

  it('claimFragment drops claims last-listed first when groups alone are not enough', () => {
    const f = claimFragment({ ...alice, groups: [] }, ['email', 'tenant'], 80);
    assert.deepEqual(f.droppedClaims.at(-1), 'tenant');
    assert.match(f.json, /"claims_truncated":\[/);
    assert.match(f.json, /"sub":"alice"/);
  });

  it('plain claim headers carry subject, email and groups, and skip unsafe values', () => {
    const h = plainClaimHeaders(alice, {
      ...route,
      plainHeaders: { user: 'X-User', email: 'X-Email', groups: 'X-Groups' },
    });
    assert.deepEqual(h, ['X-User', 'alice', 'X-Email', 'alice@example.com', 'X-Groups', 'engineering,sre']);
    const evil = { ...alice, subject: 'a\r\nX-Admin: 1' };
    assert.deepEqual(plainClaimHeaders(evil, { ...route, plainHeaders: { user: 'X-User' } }), []);
  });
});

describe('key ring rotation', () => {
  it('publishes a key added by reload at once but signs with it only after the lead time', () => {
    const a = keyFile('ec');
    const b = keyFile('ec');
    const r = new KeyRing();
    r.prepare(AssertionSchema.parse({ keys: [{ file: a, kid: 'a' }], leadSeconds: 300 }), 1000).commit();
    assert.equal(r.signingKey(1000).kid, 'a');
    r.prepare(
      AssertionSchema.parse({
        keys: [
          { file: a, kid: 'a' },
          { file: b, kid: 'b' },
        ],
        leadSeconds: 300,
      }),
      2000,
    ).commit();
    assert.deepEqual(
      r.jwks(2000).keys.map((k) => k.kid),
      ['a', 'b'],
    );
    assert.equal(r.signingKey(2299).kid, 'a');
    assert.equal(r.signingKey(2300).kid, 'b');
  });

  it('keeps a removed key published until its last assertion expired', () => {
    const a = keyFile('ec');
    const b = keyFile('ec');
    const r = new KeyRing();
    r.prepare(
      AssertionSchema.parse({
        keys: [
          { file: a, kid: 'a' },
          { file: b, kid: 'b' },
        ],
        ttlSeconds: 60,
      }),
      1000,
    ).commit();
    r.prepare(AssertionSchema.parse({ keys: [{ file: b, kid: 'b' }], ttlSeconds: 60 }), 5000).commit();
    assert.equal(r.signingKey(5000).kid, 'b');
    assert.deepEqual(
      r.jwks(5100).keys.map((k) => k.kid),
      ['b', 'a'],
    );
    assert.deepEqual(
      r.jwks(5121).keys.map((k) => k.kid),
      ['b'],
    );
  });

  it('honours activateAt', () => {
    const a = keyFile('ec');
    const b = keyFile('ed25519');
    const r = new KeyRing();
    r.prepare(
      AssertionSchema.parse({
        keys: [
          { file: a, kid: 'a' },
          { file: b, kid: 'b', activateAt: '2030-01-01T00:00:00Z' },
        ],
      }),
      1000,
    ).commit();
    assert.equal(r.signingKey(1000).kid, 'a');
    assert.equal(r.signingKey(Date.parse('2030-01-01T00:00:00Z') / 1000).kid, 'b');
  });

  it('reports an unreadable or unsupported key with a pointer and changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-key-'));
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }),
    );
    const r = new KeyRing();
    const p = r.prepare(
      AssertionSchema.parse({ keys: [{ file: join(dir, 'missing.pem') }, { file: rsa }] }),
      1,
    );
    assert.deepEqual(
      p.problems.map((x) => x.pointer),
      ['/assertion/keys/0/file', '/assertion/keys/1/file'],
    );
    assert.match(p.problems[1]!.message, /unsupported key type rsa/);
    assert.throws(() => r.signingKey(1));
  });
});

describe('ES256 signature encoding', () => {
  it('DER signatures convert to JWS r || s that verify, over many keys and inputs', async () => {
    const { derToP1363 } = await import('./signer.ts');
    const { generateKeyPairSync: gen, sign: nodeSign, verify } = await import('node:crypto');
    for (let i = 0; i < 200; i++) {
      const { privateKey, publicKey } = gen('ec', { namedCurve: 'prime256v1' });
      const data = Buffer.from(`input-${i}`);
      const p1363 = derToP1363(nodeSign('sha256', data, privateKey), 32);
      assert.equal(p1363.length, 64);
      assert.ok(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, p1363), `round ${i}`);
    }
  });
});
