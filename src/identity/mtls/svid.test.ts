import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseBundlePem } from './bundle.ts';
import type { CertNode } from './cert-node.ts';
import { parseCertNode } from './cert-node.ts';
import { type SvidInput, type TrustBundles, verifyX509Svid } from './svid.ts';
import { createTestPki, type TestCert, type TestPki } from './test-pki.ts';

const PROD = 'prod.example.org';
const STAGING = 'staging.example.org';
const ID = `spiffe://${PROD}/ns/payments/sa/api`;

let pki: TestPki;
let prodRoot: TestCert;
let stagingRoot: TestCert;
let bundles: TrustBundles;

before(() => {
  pki = createTestPki();
  prodRoot = pki.ca('prod-root');
  stagingRoot = pki.ca('staging-root');
  bundles = new Map([
    [PROD, parseBundlePem(prodRoot.certPem)],
    [STAGING, parseBundlePem(stagingRoot.certPem)],
  ]);
});
after(() => pki.close());

function verify(leaf: TestCert, overrides: Partial<SvidInput> = {}) {
  return verifyX509Svid({
    leaf: leaf.der,
    intermediates: leaf.intermediatesDer,
    nowSeconds: leaf.notBefore + 60,
    bundles,
    ...overrides,
  });
}

function denied(result: ReturnType<typeof verify>) {
  assert.equal(result.ok, false, 'expected a denial');
  return result as { ok: false; reason: string; detail: string };
}

describe('verifyX509Svid: valid SVIDs', () => {
  test('a leaf signed by the trust domain root verifies, with its SPIFFE ID', () => {
    const leaf = pki.svid('valid', prodRoot, ID);
    const result = verify(leaf);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.svid.spiffeId, { id: ID, trustDomain: PROD, path: '/ns/payments/sa/api' });
    assert.equal(result.svid.anchor.x509.fingerprint256, parseCertNode(prodRoot.der).x509.fingerprint256);
    assert.equal(result.svid.intermediates.length, 0);
    assert.equal(result.svid.validUntil, leaf.notAfter);
  });

  test('an intermediate CA in the chain verifies; order of presented certificates does not matter', () => {
    const inter1 = pki.intermediate('inter1', prodRoot);
    const inter2 = pki.intermediate('inter2', inter1);
    const leaf = pki.svid('via-inter', inter2, ID);
    assert.equal(leaf.intermediatesDer.length, 2);
    const result = verify(leaf);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.svid.intermediates.length, 2);
    // Reversed, with the root presented too: still one path.
    const shuffled = verify(leaf, { intermediates: [prodRoot.der, ...[...leaf.intermediatesDer].reverse()] });
    assert.ok(shuffled.ok, JSON.stringify(shuffled));
    // The path's window is the intersection of every certificate's validity.
    assert.equal(
      result.svid.validUntil,
      Math.min(leaf.notAfter, inter1.notAfter, inter2.notAfter, prodRoot.notAfter),
    );
  });

  test('an SVID without extended key usage verifies (EKU is optional)', () => {
    const leaf = pki.svid('no-eku', prodRoot, ID, { extendedKeyUsage: null });
    assert.ok(verify(leaf).ok);
  });

  test('the validity edges are inclusive: notBefore and notAfter themselves are accepted', () => {
    const leaf = pki.svid('edges', prodRoot, ID);
    assert.ok(verify(leaf, { nowSeconds: leaf.notBefore }).ok);
    assert.ok(verify(leaf, { nowSeconds: leaf.notAfter }).ok);
  });
});

describe('verifyX509Svid: the leaf', () => {
  test('expired', () => {
    const leaf = pki.svid('expired', prodRoot, ID, { days: 1 });
    assert.equal(denied(verify(leaf, { nowSeconds: leaf.notAfter + 1 })).reason, 'cert-expired');
  });

  test('not yet valid', () => {
    const leaf = pki.svid('future', prodRoot, ID);
    assert.equal(denied(verify(leaf, { nowSeconds: leaf.notBefore - 1 })).reason, 'cert-not-yet-valid');
  });

  test('no URI SAN', () => {
    const leaf = pki.svid('no-uri', prodRoot, [], { dns: ['api.example.org'] });
    assert.equal(denied(verify(leaf)).reason, 'cert-spiffe-id-invalid');
  });

  test('two URI SANs, even if both are SPIFFE IDs', () => {
    const leaf = pki.svid('two-uris', prodRoot, [ID, `spiffe://${PROD}/ns/other/sa/x`]);
    assert.equal(denied(verify(leaf)).reason, 'cert-spiffe-id-invalid');
  });

  test('a URI SAN that is not a SPIFFE ID', () => {
    for (const [name, uri] of [
      ['https-uri', 'https://prod.example.org/ns/payments/sa/api'],
      ['upper-td', 'spiffe://Prod.example.org/ns/a/sa/b'],
      ['port', 'spiffe://prod.example.org:443/ns/a'],
      ['pct', 'spiffe://prod.example.org/ns/a%2Fb'],
      ['dotdot', 'spiffe://prod.example.org/ns/../sa'],
      ['trailing', 'spiffe://prod.example.org/ns/a/'],
      ['query', 'spiffe://prod.example.org/ns/a?x=1'],
    ] as const) {
      const leaf = pki.svid(`bad-uri-${name}`, prodRoot, uri);
      assert.equal(denied(verify(leaf)).reason, 'cert-spiffe-id-invalid', uri);
    }
  });

  test('a SPIFFE ID without a path (trust domain ID) is not an SVID', () => {
    const leaf = pki.svid('td-only', prodRoot, `spiffe://${PROD}`);
    assert.equal(denied(verify(leaf)).reason, 'cert-spiffe-id-invalid');
  });

  test('a CA certificate as the leaf', () => {
    const leaf = pki.svid('ca-leaf', prodRoot, ID, { basicConstraints: 'critical,CA:TRUE' });
    assert.equal(denied(verify(leaf)).reason, 'cert-is-ca');
  });

  test('a self-signed leaf (not a CA) does not chain', () => {
    const leaf = pki.issue('self-signed', {
      basicConstraints: 'critical,CA:FALSE',
      keyUsage: 'critical,digitalSignature',
      extendedKeyUsage: 'clientAuth',
      uris: [ID],
    });
    const result = denied(verify(leaf, { intermediates: [leaf.der] }));
    assert.equal(result.reason, 'cert-chain-invalid');
  });

  test('a self-signed CA leaf is refused as a CA', () => {
    const leaf = pki.issue('self-signed-ca', {
      basicConstraints: 'critical,CA:TRUE',
      keyUsage: 'critical,digitalSignature,keyCertSign',
      uris: [ID],
    });
    assert.equal(denied(verify(leaf)).reason, 'cert-is-ca');
  });

  test('key usage with keyCertSign, with cRLSign, without digitalSignature, or absent', () => {
    const cases: [string, string | null][] = [
      ['ku-certsign', 'critical,digitalSignature,keyCertSign'],
      ['ku-crlsign', 'critical,digitalSignature,cRLSign'],
      ['ku-no-digsig', 'critical,keyEncipherment'],
      ['ku-absent', null],
    ];
    for (const [name, keyUsage] of cases) {
      const leaf = pki.svid(name, prodRoot, ID, { keyUsage });
      assert.equal(denied(verify(leaf)).reason, 'cert-key-usage-invalid', name);
    }
  });

  test('extended key usage serverAuth only', () => {
    const leaf = pki.svid('eku-server', prodRoot, ID, { extendedKeyUsage: 'serverAuth' });
    assert.equal(denied(verify(leaf)).reason, 'cert-key-usage-invalid');
  });

  test('an unknown critical extension on the leaf', () => {
    const leaf = pki.svid('crit-ext', prodRoot, ID, {
      extraExtensions: ['1.3.6.1.4.1.99999.1 = critical,ASN1:NULL'],
    });
    assert.equal(denied(verify(leaf)).reason, 'cert-invalid');
  });

  test('bytes that are not a certificate', () => {
    const result = verifyX509Svid({
      leaf: Buffer.from('30030201', 'hex'),
      intermediates: [],
      nowSeconds: 0,
      bundles,
    });
    assert.equal(denied(result).reason, 'cert-invalid');
  });
});

describe('verifyX509Svid: trust domains and paths', () => {
  test('a trust domain that is not configured (though it chains to a configured bundle)', () => {
    const leaf = pki.svid('other-td', prodRoot, 'spiffe://other.example.net/ns/a/sa/b');
    assert.equal(denied(verify(leaf)).reason, 'cert-trust-domain-unknown');
  });

  test("a chain to another trust domain's bundle", () => {
    // Claims prod, signed by the staging root: staging's CA may not vouch for prod.
    const leaf = pki.svid('cross-td', stagingRoot, ID);
    const result = denied(verify(leaf));
    assert.equal(result.reason, 'cert-chain-invalid');
    // The same certificate would be fine if the claimed trust domain were staging's.
    const ok = pki.svid('staging-ok', stagingRoot, `spiffe://${STAGING}/ns/a/sa/b`);
    assert.ok(verify(ok).ok);
  });

  test('an impostor root with the same name as the trusted root', () => {
    const impostor = pki.ca('impostor', { cn: 'prod-root' });
    const leaf = pki.svid('impostor-leaf', impostor, ID);
    const result = denied(verify(leaf, { intermediates: [impostor.der] }));
    assert.equal(result.reason, 'cert-chain-invalid');
  });

  test('a missing intermediate fails; the same intermediate known from before succeeds', () => {
    const inter = pki.intermediate('known-inter', prodRoot);
    const leaf = pki.svid('needs-inter', inter, ID);
    assert.equal(denied(verify(leaf, { intermediates: [] })).reason, 'cert-chain-invalid');
    const known: CertNode[] = [parseCertNode(inter.der)];
    assert.ok(verify(leaf, { intermediates: [], knownIntermediates: known }).ok);
  });

  test('an expired intermediate', () => {
    const inter = pki.intermediate('short-inter', prodRoot, { days: 1 });
    const leaf = pki.svid('under-short', inter, ID, { days: 30 });
    const result = denied(verify(leaf, { nowSeconds: inter.notAfter + 10 }));
    assert.equal(result.reason, 'cert-chain-invalid');
    assert.match(result.detail, /expired/);
  });

  test('an expired trust anchor', () => {
    const shortRoot = pki.ca('short-root', { days: 1 });
    const leaf = pki.svid('under-short-root', shortRoot, ID, { days: 30 });
    const b = new Map([[PROD, parseBundlePem(shortRoot.certPem)]]);
    assert.ok(verify(leaf, { bundles: b }).ok);
    const result = denied(verify(leaf, { bundles: b, nowSeconds: shortRoot.notAfter + 10 }));
    assert.equal(result.reason, 'cert-chain-invalid');
  });

  test('an intermediate that is not a CA', () => {
    const inter = pki.intermediate('not-ca-inter', prodRoot, {
      basicConstraints: 'critical,CA:FALSE',
      keyUsage: 'critical,digitalSignature',
    });
    const leaf = pki.svid('under-not-ca', inter, ID);
    assert.equal(denied(verify(leaf)).reason, 'cert-chain-invalid');
  });

  test('pathLenConstraint is respected', () => {
    const top = pki.intermediate('pathlen0', prodRoot, { basicConstraints: 'critical,CA:TRUE,pathlen:0' });
    const direct = pki.svid('under-pathlen0', top, ID);
    assert.ok(verify(direct).ok);
    const below = pki.intermediate('below-pathlen0', top);
    const leaf = pki.svid('too-deep', below, ID);
    assert.equal(denied(verify(leaf)).reason, 'cert-chain-invalid');
  });

  test('an intermediate whose extended key usage excludes clientAuth', () => {
    const inter = pki.intermediate('server-only-inter', prodRoot, { extendedKeyUsage: 'serverAuth' });
    const leaf = pki.svid('under-server-only', inter, ID);
    assert.equal(denied(verify(leaf)).reason, 'cert-chain-invalid');
  });

  test('an intermediate with a critical constraint this verifier does not apply (nameConstraints)', () => {
    const inter = pki.intermediate('name-constrained', prodRoot, {
      extraExtensions: ['nameConstraints = critical,permitted;DNS:example.org'],
    });
    const leaf = pki.svid('under-name-constrained', inter, ID);
    assert.equal(denied(verify(leaf)).reason, 'cert-chain-invalid');
  });

  test('chains longer than the limit are refused', () => {
    let issuer = prodRoot;
    for (let i = 0; i < 4; i++) issuer = pki.intermediate(`deep-${i}`, issuer);
    const leaf = pki.svid('deep-leaf', issuer, ID);
    // leaf + 4 intermediates + root = 6 certificates.
    assert.ok(verify(leaf).ok);
    assert.equal(denied(verify(leaf, { maxChainLength: 5 })).reason, 'cert-chain-invalid');
    const padded = verify(leaf, {
      intermediates: Array.from({ length: 9 }, () => leaf.intermediatesDer[0]!),
    });
    assert.equal(denied(padded).reason, 'cert-chain-invalid');
  });
});
