import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { peerChain } from './peer-chain.ts';

const cert = (tag: string, issuerCertificate?: object) =>
  ({
    raw: Buffer.from(tag),
    ...(issuerCertificate ? { issuerCertificate } : {}),
  }) as unknown as PeerCertificate;

test('no certificate: undefined, for absent, {} and an empty raw', () => {
  assert.equal(peerChain(undefined), undefined);
  assert.equal(peerChain({} as PeerCertificate), undefined);
  assert.equal(peerChain(cert('')), undefined);
});

test('follows issuer links and stops at the self-linked root', () => {
  const root = cert('root') as unknown as { issuerCertificate: unknown };
  root.issuerCertificate = root;
  const chain = peerChain(cert('leaf', cert('inter', root)));
  assert.deepEqual(chain && [chain.leaf.toString(), ...chain.intermediates.map((b) => b.toString())], [
    'leaf',
    'inter',
    'root',
  ]);
});

test('a cycle or an endless chain ends the walk', () => {
  const a = cert('a') as unknown as { issuerCertificate: unknown };
  const b = cert('b', a);
  a.issuerCertificate = b;
  assert.deepEqual(peerChain(cert('leaf', a))?.intermediates.map(String), ['a', 'b']);
  let link: object | undefined;
  for (let i = 0; i < 100; i++) link = cert(`c${i}`, link);
  // Long enough for the verifier to refuse it as too long, no longer.
  assert.equal(peerChain(link as PeerCertificate)?.intermediates.length, 17);
});
