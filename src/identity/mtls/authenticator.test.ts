import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { isGatehouseError } from '../../errors/index.ts';
import type { RequestInfo } from '../../model/index.ts';
import type { AuthnResult } from '../authenticator.ts';
import {
  createMtlsAuthenticator,
  type MtlsAuthenticator,
  type MtlsAuthenticatorDeps,
} from './authenticator.ts';
import type { BundleEvent, BundleSnapshot } from './bundle-store.ts';
import { createTestPki, peerCertificateFor, type TestCert, type TestPki } from './test-pki.ts';

const PROD = 'prod.example.org';
const ID = `spiffe://${PROD}/ns/payments/sa/api`;

let pki: TestPki;
let root: TestCert;
let inter: TestCert;
let leaf: TestCert;
let bundleFile: string;
const open: MtlsAuthenticator[] = [];

before(() => {
  pki = createTestPki();
  root = pki.ca('root');
  inter = pki.intermediate('inter', root);
  leaf = pki.svid('leaf', inter, ID);
  bundleFile = pki.writeBundle('prod.pem', [root]);
});
after(() => {
  for (const a of open) a.close();
  pki.close();
});

function request(clientCertificate?: PeerCertificate): RequestInfo {
  return {
    id: 'req-1',
    method: 'GET',
    scheme: 'https',
    host: 'api.example.org',
    port: 443,
    path: '/',
    query: '',
    headers: {},
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'mtls',
    ...(clientCertificate ? { clientCertificate } : {}),
  };
}

function make(file = bundleFile, deps: MtlsAuthenticatorDeps = {}, kubernetes = true): MtlsAuthenticator {
  const a = createMtlsAuthenticator(
    { trustDomains: [{ name: PROD, bundleFile: file, kubernetes }] },
    { watch: false, ...deps },
  );
  open.push(a);
  return a;
}

async function run(
  a: MtlsAuthenticator,
  cert: PeerCertificate | undefined,
  now: number,
): Promise<AuthnResult> {
  return await a.authenticate(request(cert), now);
}

function reasonOf(result: AuthnResult): string {
  assert.equal(result.status, 'denied', JSON.stringify(result));
  return (result as { reason: string }).reason;
}

describe('createMtlsAuthenticator: start-up', () => {
  test('a missing, empty or non-CA bundle is a config error naming the trust domain entry', () => {
    const empty = join(pki.dir, 'empty.pem');
    writeFileSync(empty, '');
    const leafOnly = pki.writeBundle('leaf-only.pem', [leaf]);
    for (const [file, message] of [
      [join(pki.dir, 'missing.pem'), /cannot be read \(ENOENT\)/],
      [empty, /no certificate/],
      [leafOnly, /not a CA/],
    ] as const) {
      assert.throws(
        () =>
          createMtlsAuthenticator(
            {
              trustDomains: [
                { name: PROD, bundleFile },
                { name: 'other.org', bundleFile: file },
              ],
            },
            { watch: false },
          ),
        (err: unknown) =>
          isGatehouseError(err) &&
          err.code === 'ERR_CONFIG_INVALID' &&
          err.message.includes('/identity/mtls/trustDomains/1/bundleFile') &&
          message.test(err.message),
      );
    }
  });
});

describe('createMtlsAuthenticator: authenticate', () => {
  test('no client certificate is not mine (absent, or the {} Node returns)', async () => {
    const a = make();
    assert.deepEqual(await run(a, undefined, leaf.notBefore), { status: 'not-mine' });
    assert.deepEqual(await run(a, {} as PeerCertificate, leaf.notBefore), { status: 'not-mine' });
  });

  test('a certificate object without DER is denied, not passed over', async () => {
    const a = make();
    for (const raw of ['x', Buffer.alloc(0), Buffer.from('3003020101', 'hex')]) {
      assert.equal(
        reasonOf(await run(a, { raw } as unknown as PeerCertificate, leaf.notBefore)),
        'cert-invalid',
      );
    }
  });

  test('a valid SVID becomes a frozen workload principal', async () => {
    const a = make();
    const now = leaf.notBefore + 100;
    const result = await run(a, peerCertificateFor(leaf, { root: true }), now);
    assert.equal(result.status, 'authenticated', JSON.stringify(result));
    const p = (result as Extract<AuthnResult, { status: 'authenticated' }>).principal;
    assert.equal(p.kind, 'workload');
    assert.equal(p.subject, ID);
    assert.equal(p.issuer, `spiffe://${PROD}`);
    assert.equal(p.method, 'mtls');
    assert.deepEqual(p.groups, []);
    assert.deepEqual(p.spiffe, { id: ID, trustDomain: PROD, path: '/ns/payments/sa/api' });
    assert.deepEqual(p.kubernetes, { namespace: 'payments', serviceAccount: 'api' });
    assert.equal(p.authTime, now);
    assert.equal(p.expiresAt, leaf.notAfter);
    assert.equal(p.source, PROD);
    assert.equal(p.claims.spiffe_id, ID);
    assert.match(String(p.claims.x509_serial), /^[0-9A-F]+$/);
    assert.match(String(p.claims['x5t#S256']), /^[A-Za-z0-9_-]{43}$/);
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.claims));
    assert.ok(!JSON.stringify(p).includes('BEGIN'), 'no PEM / key material in the principal');
  });

  test('in a trust domain not configured with kubernetes: true, /ns/<ns>/sa/<sa> names no service account', async () => {
    const a = make(bundleFile, {}, false);
    const result = await run(a, peerCertificateFor(leaf, { root: true }), leaf.notBefore + 100);
    assert.equal(result.status, 'authenticated', JSON.stringify(result));
    const p = (result as Extract<AuthnResult, { status: 'authenticated' }>).principal;
    assert.equal(p.subject, ID);
    assert.equal(p.kubernetes, undefined);
  });

  test('a principal without the Kubernetes path shape has no kubernetes field', async () => {
    const a = make();
    const other = pki.svid('no-k8s', root, `spiffe://${PROD}/billing/worker`);
    const result = await run(a, peerCertificateFor(other), other.notBefore);
    assert.equal(result.status, 'authenticated');
    assert.equal(
      (result as Extract<AuthnResult, { status: 'authenticated' }>).principal.kubernetes,
      undefined,
    );
  });

  test('a bad certificate is denied with its cert-* reason and a detail', async () => {
    const a = make();
    const result = await run(a, peerCertificateFor(leaf), leaf.notAfter + 1);
    assert.equal(reasonOf(result), 'cert-expired');
    assert.match((result as { detail: string }).detail, /expired/);
  });

  test('an unexpected exception is a deny with internal-error, never a throw', async () => {
    const a = make();
    const hostile = {
      get raw(): Buffer {
        throw new Error('boom');
      },
    } as unknown as PeerCertificate;
    assert.equal(reasonOf(await run(a, hostile, leaf.notBefore)), 'internal-error');
  });
});

describe('createMtlsAuthenticator: verify cache', () => {
  test('a second request with the same leaf is a cache hit sharing one principal, renewed each minute', async () => {
    const a = make();
    const t0 = leaf.notBefore + 10;
    const first = (await run(a, peerCertificateFor(leaf), t0)) as Extract<
      AuthnResult,
      { status: 'authenticated' }
    >;
    const second = (await run(a, peerCertificateFor(leaf), t0 + 5)) as Extract<
      AuthnResult,
      { status: 'authenticated' }
    >;
    assert.equal(second.status, 'authenticated');
    assert.equal(second.principal, first.principal, 'one principal object: per-principal caches hit');
    assert.equal(second.principal.authTime, t0);
    assert.deepEqual(a.cacheStats(), { hits: 1, misses: 1, size: 1 });
    const later = (await run(a, peerCertificateFor(leaf), t0 + 61)) as Extract<
      AuthnResult,
      { status: 'authenticated' }
    >;
    assert.equal(later.principal.authTime, t0 + 61);
  });

  test('the cache does not outlive the certificate: past notAfter the leaf is verified again and refused', async () => {
    const a = make();
    await run(a, peerCertificateFor(leaf), leaf.notBefore + 10);
    assert.equal(reasonOf(await run(a, peerCertificateFor(leaf), leaf.notAfter + 1)), 'cert-expired');
    assert.equal(a.cacheStats().hits, 0);
  });

  test('a resumed session (leaf only, intermediates gone) is accepted from the cache', async () => {
    const a = make();
    const leafOnly = { raw: leaf.der } as PeerCertificate;
    // Cold: the leaf alone does not chain.
    assert.equal(reasonOf(await run(a, leafOnly, leaf.notBefore)), 'cert-chain-invalid');
    await run(a, peerCertificateFor(leaf), leaf.notBefore);
    assert.equal((await run(a, leafOnly, leaf.notBefore)).status, 'authenticated');
  });

  test('with the cache off, intermediates remembered from verified paths still complete a leaf-only chain', async () => {
    const a = make(bundleFile, { cacheSize: 0 });
    await run(a, peerCertificateFor(leaf), leaf.notBefore);
    assert.equal(
      (await run(a, { raw: leaf.der } as PeerCertificate, leaf.notBefore)).status,
      'authenticated',
    );
    assert.equal(a.cacheStats().hits, 0);
  });
});

describe('createMtlsAuthenticator: bundle reload', () => {
  test('replacing the file: the new CA is accepted and the old one refused; a broken file keeps the last good bundle', async () => {
    const file = pki.writeBundle('reload.pem', [root]);
    const events: BundleEvent[] = [];
    const a = make(file, { onEvent: (e) => events.push(e) });
    const newRoot = pki.ca('new-root');
    const newLeaf = pki.svid('new-leaf', newRoot, ID);
    const now = newLeaf.notBefore + 1;
    assert.equal((await run(a, peerCertificateFor(leaf), now)).status, 'authenticated');
    assert.equal(reasonOf(await run(a, peerCertificateFor(newLeaf), now)), 'cert-chain-invalid');

    const changes: BundleSnapshot[] = [];
    a.onBundlesChange((s) => changes.push(s));
    pki.writeBundle('reload.pem', [newRoot]);
    await a.reloadBundles();
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.generation, 2);
    assert.equal((await run(a, peerCertificateFor(newLeaf), now)).status, 'authenticated');
    // The old leaf was cached as valid: the swap must evict it.
    assert.equal(reasonOf(await run(a, peerCertificateFor(leaf), now)), 'cert-chain-invalid');

    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
    await a.reloadBundles();
    await a.reloadBundles(); // the same broken content is reported once
    assert.equal(changes.length, 1);
    assert.equal((await run(a, peerCertificateFor(newLeaf), now)).status, 'authenticated');
    assert.deepEqual(
      events.map((e) => e.type),
      ['bundle-reloaded', 'bundle-reload-failed'],
    );
    assert.ok(!JSON.stringify(events).includes('not base64'), 'events never quote file content');
  });

  test('an atomic rename over the bundle is noticed by the directory watch', async () => {
    const dir = join(pki.dir, 'watched');
    mkdirSync(dir);
    const file = join(dir, 'bundle.pem');
    writeFileSync(file, root.certPem);
    const a = make(file, { watch: true, debounceMs: 20, pollIntervalMs: 0 });
    const newRoot = pki.ca('renamed-root');
    const changed = new Promise<BundleSnapshot>((resolve) => a.onBundlesChange(resolve));
    writeFileSync(join(dir, '.bundle.pem.tmp'), newRoot.certPem);
    renameSync(join(dir, '.bundle.pem.tmp'), file);
    const snapshot = await withTimeout(changed, 5000);
    assert.equal(snapshot.bundles.get(PROD)![0]!.label, 'CN=renamed-root');
  });

  test('a Kubernetes volume style ..data symlink swap is noticed', async () => {
    const dir = join(pki.dir, 'configmap');
    mkdirSync(join(dir, '..v1'), { recursive: true });
    writeFileSync(join(dir, '..v1', 'bundle.pem'), root.certPem);
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync(join('..data', 'bundle.pem'), join(dir, 'bundle.pem'));
    const a = make(join(dir, 'bundle.pem'), { watch: true, debounceMs: 20, pollIntervalMs: 0 });
    const newRoot = pki.ca('configmap-root');
    const changed = new Promise<BundleSnapshot>((resolve) => a.onBundlesChange(resolve));
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'bundle.pem'), newRoot.certPem);
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    const snapshot = await withTimeout(changed, 5000);
    assert.equal(snapshot.bundles.get(PROD)![0]!.label, 'CN=configmap-root');
  });

  test('the poll notices a change when no file event arrives', async () => {
    // A file in a directory whose watch is never triggered: only the poll can see the edit.
    const file = pki.writeBundle('polled.pem', [root]);
    const a = make(file, { watch: true, debounceMs: 10_000, pollIntervalMs: 30 });
    const newRoot = pki.ca('polled-root');
    const changed = new Promise<BundleSnapshot>((resolve) => a.onBundlesChange(resolve));
    pki.writeBundle('polled.pem', [newRoot]);
    const snapshot = await withTimeout(changed, 5000);
    assert.equal(snapshot.bundles.get(PROD)![0]!.label, 'CN=polled-root');
  });
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no bundle change within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
