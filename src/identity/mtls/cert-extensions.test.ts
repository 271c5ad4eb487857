import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  KU_CRL_SIGN,
  KU_DIGITAL_SIGNATURE,
  KU_KEY_CERT_SIGN,
  parseBasicConstraints,
  parseCertExtensions,
  parseKeyUsage,
  parseSanUris,
} from './cert-extensions.ts';
import { DerError, readTlv } from './der.ts';
import { createTestPki, type TestPki } from './test-pki.ts';

const hex = (s: string) => Buffer.from(s.replaceAll(' ', ''), 'hex');

describe('DER primitives', () => {
  test('lengths: short and long form; indefinite, non-minimal and overrunning forms are refused', () => {
    assert.deepEqual(readTlv(hex('04 02 aa bb'), 0, 4), { tag: 4, start: 2, end: 4 });
    const long = Buffer.concat([hex('04 81 80'), Buffer.alloc(128)]);
    assert.deepEqual(readTlv(long, 0, long.length), { tag: 4, start: 3, end: 131 });
    assert.throws(() => readTlv(hex('30 80 00 00'), 0, 4), DerError);
    assert.throws(() => readTlv(hex('04 81 05 00 00 00 00 00'), 0, 8), DerError); // 0x81 for < 128
    assert.throws(() => readTlv(hex('04 82 00 05 00 00 00 00 00'), 0, 9), DerError); // leading zero
    assert.throws(() => readTlv(hex('04 05 00'), 0, 3), DerError);
    assert.throws(() => readTlv(hex('1f 01 00'), 0, 3), DerError);
    assert.throws(() => readTlv(hex('04'), 0, 1), DerError);
  });
});

describe('extension values', () => {
  test('key usage bits are numbered from the first bit of the BIT STRING', () => {
    // digitalSignature only: 03 02 07 80
    assert.equal(parseKeyUsage(hex('03 02 07 80')), KU_DIGITAL_SIGNATURE);
    // keyCertSign + cRLSign: 03 02 01 06
    assert.equal(parseKeyUsage(hex('03 02 01 06')), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
    // digitalSignature + decipherOnly (bit 8): 03 03 07 80 80
    assert.equal(parseKeyUsage(hex('03 03 07 80 80')), KU_DIGITAL_SIGNATURE | (1 << 8));
    assert.throws(() => parseKeyUsage(hex('03 01 01')), DerError); // padding without content
    assert.throws(() => parseKeyUsage(hex('03 02 08 80')), DerError); // 8 unused bits
    assert.throws(() => parseKeyUsage(hex('03 02 07 80 00')), DerError); // trailing byte
    assert.throws(() => parseKeyUsage(hex('04 02 07 80')), DerError); // wrong type
  });

  test('basic constraints', () => {
    assert.deepEqual(parseBasicConstraints(hex('30 00')), { isCa: false, pathLen: undefined });
    assert.deepEqual(parseBasicConstraints(hex('30 03 01 01 ff')), { isCa: true, pathLen: undefined });
    assert.deepEqual(parseBasicConstraints(hex('30 06 01 01 ff 02 01 00')), { isCa: true, pathLen: 0 });
    assert.throws(() => parseBasicConstraints(hex('30 03 01 01 01')), DerError); // BOOLEAN not 00/ff
    assert.throws(() => parseBasicConstraints(hex('30 06 01 01 ff 02 01 ff')), DerError); // negative
  });

  test('URI SANs are collected; other name types skipped', () => {
    const uri = Buffer.from('spiffe://td/x');
    const san = Buffer.concat([
      Buffer.from([0x30, uri.length + 7]),
      hex('82 03 61 2e 62'),
      Buffer.from([0x86, uri.length]),
      uri,
    ]);
    assert.deepEqual(parseSanUris(san), ['spiffe://td/x']);
    assert.throws(() => parseSanUris(hex('30 03 86 01 ff')), DerError); // not IA5
    assert.throws(() => parseSanUris(hex('30 03 a6 01 00')), DerError); // constructed [6]
  });
});

describe('parseCertExtensions on real certificates', () => {
  let pki: TestPki;
  before(() => {
    pki = createTestPki();
  });
  after(() => pki.close());

  test('a CA with a path length and an SVID with URI, KU and EKU', () => {
    const ca = pki.ca('ca', { basicConstraints: 'critical,CA:TRUE,pathlen:2' });
    const caExt = parseCertExtensions(ca.der);
    assert.equal(caExt.isCa, true);
    assert.equal(caExt.pathLen, 2);
    assert.equal(caExt.keyUsage, KU_KEY_CERT_SIGN | KU_CRL_SIGN);
    assert.equal(caExt.extKeyUsage, undefined);
    assert.deepEqual(caExt.unhandledCritical, []);

    const leaf = pki.svid('leaf', ca, 'spiffe://td/a', {
      dns: ['a.example'],
      keyUsage: 'critical,digitalSignature,decipherOnly,keyAgreement',
    });
    const ext = parseCertExtensions(leaf.der);
    assert.equal(ext.isCa, false);
    assert.equal(ext.keyUsage, KU_DIGITAL_SIGNATURE | (1 << 4) | (1 << 8));
    assert.deepEqual(ext.extKeyUsage, [EKU_CLIENT_AUTH, EKU_SERVER_AUTH]);
    assert.deepEqual(ext.uris, ['spiffe://td/a']);
  });

  test('critical extensions it does not apply are reported; trailing bytes are refused', () => {
    const ca = pki.ca('ca2', { extraExtensions: ['1.2.3.4 = critical,ASN1:NULL', '1.2.3.5 = ASN1:NULL'] });
    assert.deepEqual(parseCertExtensions(ca.der).unhandledCritical, ['1.2.3.4']);
    assert.throws(() => parseCertExtensions(Buffer.concat([ca.der, hex('00')])), DerError);
  });
});
