import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { CompactSign } from 'jose';
import { joseVerifier, nodeVerifier } from './signature.ts';

const cases = [
  ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['PS384', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
  ['ES384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
  ['ES512', () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' })],
  ['EdDSA', () => generateKeyPairSync('ed25519')],
] as const;

describe('nodeVerifier agrees with jose (WebCrypto)', () => {
  for (const [alg, make] of cases) {
    it(`${alg}: valid, tampered and truncated signatures`, async () => {
      for (let i = 0; i < 20; i++) {
        const { privateKey, publicKey } = make();
        const token = await new CompactSign(new TextEncoder().encode(`{"n":${i}}`))
          .setProtectedHeader({ alg })
          .sign(privateKey);
        assert.equal(await nodeVerifier(token, publicKey, alg), true);
        assert.equal(await joseVerifier(token, publicKey, alg), true);
        const [h, p, s] = token.split('.') as [string, string, string];
        const tampered = `${h}.${Buffer.from(`{"n":${i + 1}}`).toString('base64url')}.${s}`;
        assert.equal(await nodeVerifier(tampered, publicKey, alg), false);
        const truncated = `${h}.${p}.${s.slice(0, -4)}`;
        assert.equal(await nodeVerifier(truncated, publicKey, alg), false);
      }
    });
  }

  it('refuses a key that does not fit the algorithm, and short RSA keys', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const token = await new CompactSign(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(ec.privateKey);
    await assert.rejects(
      nodeVerifier(token, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'ES256'),
    );
    await assert.rejects(nodeVerifier(token, ec.publicKey, 'RS256'));
    await assert.rejects(nodeVerifier(token, ec.publicKey, 'ES384'));
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await assert.rejects(nodeVerifier(token, small.publicKey, 'RS256'));
  });
});
