import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { request } from 'undici';
import { createTestPki, type TestCert, type TestPki } from '../src/identity/mtls/test-pki.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

/**
 * Proxy-to-upstream TLS: Gatehouse verifies the upstream's certificate against `tls.caFile`
 * (by `tls.serverName`, or the URL host) and presents `tls.certFile` / `tls.keyFile` to an
 * upstream that requires client certificates. Every refusal is a 502 for the client.
 */
describe('upstream TLS and mTLS', () => {
  let pki: TestPki;
  let ca: TestCert;
  let otherCa: TestCert;
  let client: TestCert;
  let strangerClient: TestCert;
  let upstream: https.Server;
  let upstreamUrl: string;
  let gh: RunningGatehouse;
  let tlsHandshakes = 0;
  const seen: Record<string, unknown>[] = [];

  before(async () => {
    pki = createTestPki();
    ca = pki.ca('upstream-ca');
    otherCa = pki.ca('other-ca');
    const server = pki.server('upstream', ca, { dns: ['upstream.test'], ips: ['127.0.0.1'] });
    client = pki.issue('gatehouse-client', {
      issuer: ca,
      cn: 'gatehouse-proxy',
      basicConstraints: 'critical,CA:FALSE',
      keyUsage: 'critical,digitalSignature',
      extendedKeyUsage: 'clientAuth',
    });
    strangerClient = pki.issue('stranger-client', {
      issuer: otherCa,
      cn: 'stranger',
      basicConstraints: 'critical,CA:FALSE',
      keyUsage: 'critical,digitalSignature',
      extendedKeyUsage: 'clientAuth',
    });
    upstream = https.createServer(
      {
        cert: server.certPem,
        key: server.keyPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const entry = {
          cn: socket.getPeerCertificate().subject?.CN,
          sni: socket.servername,
          host: req.headers.host,
        };
        seen.push(entry);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(entry));
      },
    );
    upstream.on('secureConnection', () => tlsHandshakes++);
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    const route = (host: string, tls: Record<string, string> | undefined) => ({
      id: host.split('.')[0],
      match: { host },
      public: true,
      upstream: tls ? { url: upstreamUrl, tls } : upstreamUrl,
    });
    gh = await startGatehouse({
      routes: [
        route('good.test', { caFile: ca.certFile, certFile: client.certFile, keyFile: client.keyFile }),
        route('named.test', {
          caFile: ca.certFile,
          certFile: client.certFile,
          keyFile: client.keyFile,
          serverName: 'upstream.test',
        }),
        route('named2.test', {
          caFile: ca.certFile,
          certFile: client.certFile,
          keyFile: client.keyFile,
          serverName: 'upstream.test',
        }),
        route('nocert.test', { caFile: ca.certFile }),
        route('stranger.test', {
          caFile: ca.certFile,
          certFile: strangerClient.certFile,
          keyFile: strangerClient.keyFile,
        }),
        route('wrongca.test', {
          caFile: otherCa.certFile,
          certFile: client.certFile,
          keyFile: client.keyFile,
        }),
        route('mismatch.test', {
          caFile: ca.certFile,
          certFile: client.certFile,
          keyFile: client.keyFile,
          serverName: 'not-the-upstream.test',
        }),
        route('systemca.test', undefined),
      ],
    });
  });

  after(async () => {
    await gh?.close();
    upstream?.closeAllConnections();
    await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
    pki?.close();
  });

  async function get(host: string) {
    const res = await request(`${gh.url}/x`, { headers: { host, accept: 'application/json' } });
    const text = await res.body.text();
    return { status: res.statusCode, body: JSON.parse(text) as Record<string, unknown> };
  }

  it('with caFile and a client certificate the request succeeds and the upstream sees the client CN', async () => {
    const before = seen.length;
    const r = await get('good.test');
    assert.equal(r.status, 200);
    assert.equal(r.body.cn, 'gatehouse-proxy');
    // The client's Host header goes upstream unchanged...
    assert.equal(r.body.host, 'good.test');
    // ...but it is not the TLS name: no SNI for an IP-literal URL.
    assert.equal(r.body.sni, false);
    assert.equal(seen.length, before + 1);
  });

  it('serverName picks the name sent as SNI and verified in the upstream certificate', async () => {
    const r = await get('named.test');
    assert.equal(r.status, 200);
    assert.equal(r.body.sni, 'upstream.test');
    assert.equal(r.body.cn, 'gatehouse-proxy');
  });

  it('routes with other hosts sharing the upstream keep its TLS name and its warm connection', async () => {
    // named.test and named2.test have the same upstream settings, so one keep-alive pool.
    // The client's Host header must become neither the SNI nor a reason to reconnect.
    await get('named.test');
    const handshakes = tlsHandshakes;
    for (const host of ['named2.test', 'named.test', 'named2.test', 'named.test']) {
      const r = await get(host);
      assert.equal(r.status, 200);
      assert.equal(r.body.sni, 'upstream.test');
      assert.equal(r.body.host, host);
    }
    assert.equal(tlsHandshakes, handshakes, 'no new TLS connection');
  });

  it('without a client certificate the upstream refuses the handshake: 502', async () => {
    const before = seen.length;
    const r = await get('nocert.test');
    assert.equal(r.status, 502);
    assert.match(String(r.body.error), /^ERR_UPSTREAM_(CONNECT|RESET)$/);
    assert.equal(seen.length, before, 'the upstream handler never ran');
  });

  it('a client certificate from a CA the upstream does not trust is refused: 502', async () => {
    const before = seen.length;
    const r = await get('stranger.test');
    assert.equal(r.status, 502);
    assert.equal(seen.length, before);
  });

  it('an upstream certificate not signed by caFile is refused: 502 ERR_UPSTREAM_CONNECT', async () => {
    const before = seen.length;
    const r = await get('wrongca.test');
    assert.equal(r.status, 502);
    assert.equal(r.body.error, 'ERR_UPSTREAM_CONNECT');
    assert.equal(seen.length, before);
  });

  it('a serverName the upstream certificate does not carry is refused: 502 ERR_UPSTREAM_CONNECT', async () => {
    const before = seen.length;
    const r = await get('mismatch.test');
    assert.equal(r.status, 502);
    assert.equal(r.body.error, 'ERR_UPSTREAM_CONNECT');
    assert.equal(seen.length, before);
  });

  it('without tls settings a private CA is not trusted (system CAs only): 502', async () => {
    const before = seen.length;
    const r = await get('systemca.test');
    assert.equal(r.status, 502);
    assert.equal(r.body.error, 'ERR_UPSTREAM_CONNECT');
    assert.equal(seen.length, before);
  });
});
