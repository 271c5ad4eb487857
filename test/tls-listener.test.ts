import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { tempDir } from './helpers/config-file.ts';
import { nextEvent } from './helpers/events.ts';
import {
  type RunningGatehouse,
  rawRequest,
  startEchoUpstream,
  startGatehouse,
  type Upstream,
} from './helpers/servers.ts';

interface TlsReloadEvent {
  listener: string;
  ok: boolean;
  error?: string;
}

const dir = tempDir('gatehouse-tls-');

/** A self-signed P-256 certificate for 127.0.0.1 / localhost, written to `name`.crt / `name`.key. */
function makeCert(name: string, cn: string, serial: string): { cert: string; key: string } {
  const cert = dir.file(`${name}.crt`);
  const key = dir.file(`${name}.key`);
  execFileSync(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-set_serial',
      serial,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** Replace a file atomically (write elsewhere, rename over), as cert-manager and kubelet do. */
function replace(target: string, content: string | Buffer): void {
  const tmp = `${target}.new`;
  writeFileSync(tmp, content);
  renameSync(tmp, target);
}

/** Open a fresh TLS connection and read the certificate the listener serves. */
function servedCertificate(port: number): Promise<{ serial: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false },
      () => {
        const peer = socket.getPeerCertificate();
        socket.destroy();
        resolve({ serial: peer.serialNumber.toUpperCase(), cn: String(peer.subject.CN) });
      },
    );
    socket.on('error', reject);
  });
}

describe('TLS listener', { timeout: 30_000 }, () => {
  let up: Upstream;
  let gh: RunningGatehouse;
  const live = { cert: dir.file('live.crt'), key: dir.file('live.key') };
  let first: { cert: string; key: string };

  before(async () => {
    first = makeCert('one', 'gatehouse-one', '0x1001');
    writeFileSync(live.cert, readFileSync(first.cert));
    writeFileSync(live.key, readFileSync(first.key));
    up = await startEchoUpstream();
    gh = await startGatehouse({
      listeners: [{ name: 'web', port: 0, tls: { certFile: live.cert, keyFile: live.key } }],
      routes: [{ id: 'app', match: { host: 'app.test', path: '/' }, upstream: up.url, public: true }],
    });
  });
  after(async () => {
    await gh.close();
    await up.close();
    dir.remove();
  });

  /**
   * Wait for the listener to serve `serial`: each round waits for the next TLS reload event
   * (bounded), then looks at what a new connection gets. At most 5 rounds.
   */
  async function waitForServed(serial: string): Promise<{ serial: string; cn: string }> {
    let seen = await servedCertificate(gh.port);
    for (let round = 0; round < 5 && seen.serial !== serial; round++) {
      await nextEvent<TlsReloadEvent>(
        'gatehouse:tls:reload',
        (e) => e.listener === 'web' && e.ok,
        5_000,
      ).catch(() => {});
      seen = await servedCertificate(gh.port);
    }
    return seen;
  }

  it('serves HTTPS and tells the upstream X-Forwarded-Proto: https', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: gh.port,
          path: '/hello',
          servername: 'localhost',
          ca: readFileSync(first.cert),
          headers: { host: 'app.test' },
          agent: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () =>
            res.statusCode === 200 ? resolve(text) : reject(new Error(`status ${res.statusCode}: ${text}`)),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    const seen = JSON.parse(body) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/hello');
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const raw = await rawRequest(
      gh.port,
      'GET /hello HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n',
    ).catch((e: Error) => `error: ${e.message}`);
    assert.doesNotMatch(raw, /^HTTP\/1\.1 200/);
  });

  it('serves a rotated certificate without a restart', async () => {
    assert.equal((await servedCertificate(gh.port)).serial, '1001');
    const second = makeCert('two', 'gatehouse-two', '0x2002');
    replace(live.key, readFileSync(second.key));
    replace(live.cert, readFileSync(second.cert));
    const served = await waitForServed('2002');
    assert.deepEqual(served, { serial: '2002', cn: 'gatehouse-two' });
  });

  it('keeps serving the current certificate when the new file is broken', async () => {
    const failed = nextEvent<TlsReloadEvent>(
      'gatehouse:tls:reload',
      (e) => e.listener === 'web' && !e.ok,
      5_000,
    );
    replace(live.cert, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const event = await failed;
    assert.equal(event.ok, false);
    assert.deepEqual(await servedCertificate(gh.port), { serial: '2002', cn: 'gatehouse-two' });
  });

  it('keeps serving the current certificate when the new key does not match the new certificate', async () => {
    const third = makeCert('three', 'gatehouse-three', '0x3003');
    const stranger = makeCert('stranger', 'stranger', '0x4004');
    const failed = nextEvent<TlsReloadEvent>(
      'gatehouse:tls:reload',
      (e) => e.listener === 'web' && !e.ok,
      5_000,
    );
    replace(live.key, readFileSync(stranger.key));
    replace(live.cert, readFileSync(third.cert));
    await failed;
    assert.deepEqual(await servedCertificate(gh.port), { serial: '2002', cn: 'gatehouse-two' });
    // and a good pair afterwards is picked up again
    replace(live.key, readFileSync(third.key));
    assert.deepEqual(await waitForServed('3003'), { serial: '3003', cn: 'gatehouse-three' });
  });
});
