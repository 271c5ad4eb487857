import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { makeKey } from './fixtures.ts';
import { keyFitsAlgorithm, keysFromJwks, keysFromPem, MAX_KEYS } from './key-set.ts';
import { ASYMMETRIC_ALGORITHMS } from './settings.ts';

describe('keysFromJwks', () => {
  it('keeps signature keys and reads kid, alg and curve', async () => {
    const rsa = await makeKey('RS256', 'r1');
    const ec = await makeKey('ES384', 'e1');
    const ed = await makeKey('EdDSA', null, false);
    const keys = keysFromJwks({ keys: [rsa.publicJwk, ec.publicJwk, ed.publicJwk] }, ASYMMETRIC_ALGORITHMS);
    assert.deepEqual(
      keys.map((k) => [k.kty, k.kid, k.alg, k.crv]),
      [
        ['RSA', 'r1', 'RS256', undefined],
        ['EC', 'e1', 'ES384', 'P-384'],
        ['OKP', undefined, undefined, 'Ed25519'],
      ],
    );
    assert.equal(new Set(keys.map((k) => k.id)).size, 3);
  });

  it('ignores keys not for signatures, symmetric keys, disallowed algs and broken keys', async () => {
    const rsa = await makeKey('RS256', 'r1');
    const keys = keysFromJwks(
      {
        keys: [
          { ...rsa.publicJwk, use: 'enc' },
          { ...rsa.publicJwk, key_ops: ['encrypt'] },
          { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
          { ...rsa.publicJwk, alg: 'HS256' },
          { ...rsa.publicJwk, n: 'AQAB' },
          { ...rsa.publicJwk, kid: 7 },
          { kty: 'EC', crv: 'P-256', x: 'x' },
          'not a key',
          null,
        ],
      },
      ASYMMETRIC_ALGORITHMS,
    );
    assert.deepEqual(keys, []);
  });

  it('ignores RSA keys under 2048 bits', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = publicKey.export({ format: 'jwk' });
    assert.deepEqual(keysFromJwks({ keys: [jwk] }, ASYMMETRIC_ALGORITHMS), []);
  });

  it('keeps only public members of a JWKS that leaks private ones', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const [key] = keysFromJwks({ keys: [jwk] }, ASYMMETRIC_ALGORITHMS);
    assert.equal(key?.key.type, 'public');
  });

  it(`reads at most ${MAX_KEYS} keys and refuses documents without keys`, async () => {
    const rsa = await makeKey('ES256', 'k');
    const many = Array.from({ length: MAX_KEYS + 10 }, (_, i) => ({ ...rsa.publicJwk, kid: `k${i}` }));
    assert.equal(keysFromJwks({ keys: many }, ASYMMETRIC_ALGORITHMS).length, MAX_KEYS);
    assert.throws(() => keysFromJwks({ nokeys: [] }, ASYMMETRIC_ALGORITHMS), /no "keys" array/);
    assert.throws(() => keysFromJwks([], ASYMMETRIC_ALGORITHMS));
  });
});

describe('keysFromPem', () => {
  it('reads SPKI public keys (without kid)', async () => {
    const a = await makeKey('RS256');
    const b = await makeKey('ES256');
    const keys = keysFromPem(`${a.publicPem}\n${b.publicPem}`, ASYMMETRIC_ALGORITHMS);
    assert.deepEqual(
      keys.map((k) => [k.kty, k.kid]),
      [
        ['RSA', undefined],
        ['EC', undefined],
      ],
    );
  });

  it('refuses a private key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.throws(() => keysFromPem(pem, ASYMMETRIC_ALGORITHMS), /private key/);
  });
});

describe('keyFitsAlgorithm', () => {
  it('matches key type, curve and pinned alg', async () => {
    const [rsa] = keysFromJwks(
      { keys: [(await makeKey('RS256', 'r', false)).publicJwk] },
      ASYMMETRIC_ALGORITHMS,
    );
    const [pinned] = keysFromJwks({ keys: [(await makeKey('PS256', 'p')).publicJwk] }, ASYMMETRIC_ALGORITHMS);
    const [p256] = keysFromJwks(
      { keys: [(await makeKey('ES256', 'e', false)).publicJwk] },
      ASYMMETRIC_ALGORITHMS,
    );
    const [ed] = keysFromJwks(
      { keys: [(await makeKey('EdDSA', 'd', false)).publicJwk] },
      ASYMMETRIC_ALGORITHMS,
    );
    assert.ok(keyFitsAlgorithm(rsa!, 'RS256') && keyFitsAlgorithm(rsa!, 'PS512'));
    assert.ok(!keyFitsAlgorithm(rsa!, 'ES256') && !keyFitsAlgorithm(rsa!, 'HS256'));
    assert.ok(keyFitsAlgorithm(pinned!, 'PS256') && !keyFitsAlgorithm(pinned!, 'RS256'));
    assert.ok(keyFitsAlgorithm(p256!, 'ES256') && !keyFitsAlgorithm(p256!, 'ES384'));
    assert.ok(keyFitsAlgorithm(ed!, 'EdDSA') && !keyFitsAlgorithm(ed!, 'ES256'));
  });
});
