import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { RequestInfo } from '../../model/index.ts';
import { createMtlsAuthenticator, type MtlsAuthenticator } from './authenticator.ts';
import { createTestPki, OPENSSL, type TestCert, type TestPki } from './test-pki.ts';
import { type MtlsTlsOptionsSource, mtlsTlsServerOptions } from './tls-options.ts';

/**
 * Real TLS handshakes on 127.0.0.1: an HTTPS server built with `mtlsTlsServerOptions`, a
 * client presenting certificates, and the authenticator run on what the socket received.
 * The response body is what the client sees: the principal's subject or the deny reason.
 */

const PROD = 'prod.example.org';
const STAGING = 'staging.example.org';
const ID = `spiffe://${PROD}/ns/payments/sa/api`;

let pki: TestPki;
let prodRoot: TestCert;
let prodInter: TestCert;
let stagingRoot: TestCert;
let serverCert: TestCert;
let serverCa: TestCert;
let prodBundle: string;
let auth: MtlsAuthenticator;
let tlsOptions: MtlsTlsOptionsSource;
let server: https.Server;
let port: number;
/** The clock the server-side authenticator uses; tests move it. */
let now = 0;

interface Seen {
  status: string;
  subject?: string;
  reason?: string;
  reused: boolean;
}

before(async () => {
  pki = createTestPki();
  prodRoot = pki.ca('prod-root');
  prodInter = pki.intermediate('prod-inter', prodRoot);
  stagingRoot = pki.ca('staging-root');
  serverCa = pki.ca('server-ca');
  serverCert = pki.server('server', serverCa);
  prodBundle = pki.writeBundle('prod.pem', [prodRoot]);
  auth = createMtlsAuthenticator(
    {
      trustDomains: [
        { name: PROD, bundleFile: prodBundle },
        { name: STAGING, bundleFile: pki.writeBundle('staging.pem', [stagingRoot]) },
      ],
    },
    { watch: false },
  );
  tlsOptions = mtlsTlsServerOptions(auth);
  server = https.createServer(
    { key: serverCert.keyPem, cert: serverCert.certPem, ...tlsOptions.options },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const request = {
        id: 't',
        method: req.method ?? 'GET',
        scheme: 'https',
        host: 'localhost',
        port,
        path: '/',
        query: '',
        headers: req.headers,
        peerAddress: '127.0.0.1',
        clientAddress: '127.0.0.1',
        listener: 'mtls',
        clientCertificate: socket.getPeerCertificate(true),
      } satisfies RequestInfo;
      Promise.resolve(auth.authenticate(request, now)).then((result) => {
        const seen: Seen = { status: result.status, reused: socket.isSessionReused() };
        if (result.status === 'authenticated') seen.subject = result.principal.subject;
        if (result.status === 'denied') seen.reason = result.reason;
        res.writeHead(result.status === 'authenticated' ? 200 : 403, { 'content-type': 'application/json' });
        res.end(JSON.stringify(seen));
      });
    },
  );
  tlsOptions.onChange((options) =>
    server.setSecureContext({ key: serverCert.keyPem, cert: serverCert.certPem, ...options }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  auth.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  pki.close();
});

function call(client?: TestCert, agent: https.Agent | false = false): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        agent,
        ca: serverCa.certPem,
        ...(client ? { cert: client.chainPem, key: client.keyPem } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve(JSON.parse(body) as Seen));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The CA names the server's CertificateRequest advertises, as openssl s_client lists them. */
async function advertisedCaNames(): Promise<string[]> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      OPENSSL,
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-tls1_2'],
      { timeout: 10_000 },
      (err, stdout) => (err && !stdout ? reject(err) : resolve(stdout)),
    );
    child.stdin?.end();
  });
  const lines = out.split('\n');
  const start = lines.indexOf('Acceptable client certificate CA names');
  assert.ok(start >= 0, 'the server asked for a client certificate');
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('CN = ')) break;
    names.push(line);
  }
  return names;
}

describe('mTLS over real TLS handshakes', () => {
  test('a valid SVID signed by the trust domain root', async () => {
    const leaf = pki.svid('direct', prodRoot, ID);
    now = leaf.notBefore + 1;
    assert.deepEqual(await call(leaf), { status: 'authenticated', subject: ID, reused: false });
  });

  test('a valid SVID issued by an intermediate the client presents', async () => {
    const leaf = pki.svid('via-inter', prodInter, `spiffe://${PROD}/ns/payments/sa/worker`);
    now = leaf.notBefore + 1;
    const seen = await call(leaf);
    assert.equal(seen.status, 'authenticated', JSON.stringify(seen));
    assert.equal(seen.subject, `spiffe://${PROD}/ns/payments/sa/worker`);
  });

  test('no client certificate: not mine', async () => {
    assert.equal((await call()).status, 'not-mine');
  });

  test('expired and not yet valid, by the injected clock', async () => {
    const leaf = pki.svid('clocked', prodRoot, ID, { days: 1 });
    now = leaf.notAfter + 1;
    assert.equal((await call(leaf)).reason, 'cert-expired');
    now = leaf.notBefore - 1;
    assert.equal((await call(leaf)).reason, 'cert-not-yet-valid');
  });

  test("a certificate claiming prod but signed by staging's CA", async () => {
    const leaf = pki.svid('cross', stagingRoot, ID);
    now = leaf.notBefore + 1;
    assert.equal((await call(leaf)).reason, 'cert-chain-invalid');
  });

  test('a trust domain that is not configured', async () => {
    const leaf = pki.svid('unknown-td', prodRoot, 'spiffe://elsewhere.example/ns/a/sa/b');
    now = leaf.notBefore + 1;
    assert.equal((await call(leaf)).reason, 'cert-trust-domain-unknown');
  });

  test('a self-signed client certificate', async () => {
    const leaf = pki.issue('self', {
      basicConstraints: 'critical,CA:FALSE',
      keyUsage: 'critical,digitalSignature',
      extendedKeyUsage: 'clientAuth',
      uris: [ID],
    });
    now = leaf.notBefore + 1;
    assert.equal((await call(leaf)).reason, 'cert-chain-invalid');
  });

  test('a server-only certificate (EKU serverAuth) and a CA certificate as client certificates', async () => {
    const serverOnly = pki.svid('server-only', prodRoot, ID, { extendedKeyUsage: 'serverAuth' });
    now = serverOnly.notBefore + 1;
    assert.equal((await call(serverOnly)).reason, 'cert-key-usage-invalid');
    const caLeaf = pki.svid('ca-as-client', prodRoot, ID, { basicConstraints: 'critical,CA:TRUE' });
    assert.equal((await call(caLeaf)).reason, 'cert-is-ca');
  });

  test('a resumed TLS session (intermediates not kept by OpenSSL) is still authenticated', async () => {
    const leaf = pki.svid('resumed', prodInter, `spiffe://${PROD}/ns/payments/sa/resumed`);
    now = leaf.notBefore + 1;
    const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 10 });
    try {
      const first = await call(leaf, agent);
      const second = await call(leaf, agent);
      assert.equal(first.status, 'authenticated');
      assert.equal(second.reused, true, 'the second connection resumed the TLS session');
      assert.equal(second.status, 'authenticated', JSON.stringify(second));
    } finally {
      agent.destroy();
    }
  });

  test('the CertificateRequest advertises the bundle CAs, and follows a bundle reload', async () => {
    assert.deepEqual(await advertisedCaNames(), ['CN = prod-root', 'CN = staging-root']);

    const newRoot = pki.ca('prod-root-2');
    pki.writeBundle('prod.pem', [newRoot]);
    await auth.reloadBundles();
    assert.deepEqual(await advertisedCaNames(), ['CN = prod-root-2', 'CN = staging-root']);

    const leaf = pki.svid('after-reload', newRoot, ID);
    now = leaf.notBefore + 1;
    assert.equal((await call(leaf)).status, 'authenticated');
    const old = pki.svid('old-root-leaf', prodRoot, ID);
    assert.equal((await call(old)).reason, 'cert-chain-invalid');
  });
});
