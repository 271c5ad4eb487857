import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BundleError, parseBundlePem } from './bundle.ts';
import { createTestPki, type TestCert, type TestPki } from './test-pki.ts';

let pki: TestPki;
let rootA: TestCert;
let rootB: TestCert;
let leaf: TestCert;
before(() => {
  pki = createTestPki();
  rootA = pki.ca('root-a');
  rootB = pki.ca('root-b');
  leaf = pki.svid('leaf', rootA, 'spiffe://td/x');
});
after(() => pki.close());

test('a bundle of several CAs, with comments around them, duplicates dropped', () => {
  const pem = `# trust bundle for td\n${rootA.certPem}\nsome comment\n${rootB.certPem}${rootA.certPem}`;
  const anchors = parseBundlePem(pem);
  assert.deepEqual(
    anchors.map((a) => a.label),
    ['CN=root-a', 'CN=root-b'],
  );
});

test('CRLF line endings are fine', () => {
  assert.equal(parseBundlePem(rootA.certPem.replaceAll('\n', '\r\n')).length, 1);
});

test('refused: empty, no certificate, a leaf, a private key, truncated, corrupt base64, garbage DER', () => {
  const b64 = rootA.certPem.split('\n').slice(1, -2).join('\n');
  const cases: [string, string, RegExp][] = [
    ['empty', '', /no certificate/],
    ['text only', 'nothing here\n', /no certificate/],
    ['leaf', leaf.certPem, /not a CA/],
    ['private key', rootA.keyPem, /not a CERTIFICATE/],
    ['key next to a CA', rootA.certPem + rootA.keyPem, /not a CERTIFICATE/],
    ['truncated', rootA.certPem.slice(0, rootA.certPem.length - 30), /unterminated/],
    [
      'bad base64',
      `-----BEGIN CERTIFICATE-----\n${b64.slice(0, 40)}!!${b64.slice(42)}\n-----END CERTIFICATE-----\n`,
      /base64/,
    ],
    [
      'short base64',
      `-----BEGIN CERTIFICATE-----\n${b64.replace(/\s/g, '').slice(0, 96)}\n-----END CERTIFICATE-----\n`,
      /cannot be parsed/,
    ],
    ['garbage DER', `-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n`, /cannot be parsed/],
  ];
  for (const [name, pem, message] of cases) {
    assert.throws(
      () => parseBundlePem(pem),
      (err: Error) => err instanceof BundleError && message.test(err.message),
      name,
    );
  }
});

test('error messages never quote the key material of a misplaced private key', () => {
  try {
    parseBundlePem(rootA.keyPem);
    assert.fail('expected an error');
  } catch (err) {
    const body = rootA.keyPem.split('\n')[1]!;
    assert.ok(!(err as Error).message.includes(body.slice(0, 16)));
  }
});
