/**
 * The lean engine on a TLS dedicated forward-auth listener: it takes connections over at
 * `secureConnection`, serves checks over TLS on kept-alive connections, and hands a request
 * it does not serve (here: one with a body) to node:https with the decrypted bytes intact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { createTestPki, type TestPki } from '../src/identity/mtls/test-pki.ts';
import { APP_HOST, forwardAuthConfig, type TestIssuer, testIssuer } from './helpers/forward-auth.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

let pki: TestPki;
let issuer: TestIssuer;
let gatehouse: RunningGatehouse;
let port: number;
let ca: string;

before(async () => {
  pki = createTestPki();
  const root = pki.ca('root');
  const server = pki.server('auth', root);
  ca = root.certPem;
  issuer = await testIssuer();
  gatehouse = await startGatehouse({
    listeners: [
      { name: 'web', port: 0 },
      { name: 'auth', port: 0, tls: { certFile: server.certFile, keyFile: server.keyFile } },
    ],
    ...forwardAuthConfig(issuer, { trustedProxies: ['127.0.0.1/32'], listener: 'auth' }),
  });
  port = gatehouse.gateway.listenerPort('auth');
});

after(async () => {
  await gatehouse?.close();
  pki?.close();
});

function check(token: string, extra = ''): string {
  return (
    'GET /.gatehouse/auth/nginx HTTP/1.1\r\nHost: gatehouse\r\n' +
    `X-Original-URI: /dashboard\r\nX-Original-Method: GET\r\nX-Forwarded-Host: ${APP_HOST}\r\n` +
    `X-Forwarded-Proto: https\r\nAuthorization: Bearer ${token}\r\n${extra}\r\n`
  );
}

/** Send `requests` one after another on one TLS connection; resolve with each answer's head. */
function over(requests: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    const heads: string[] = [];
    let buffer = '';
    socket.setEncoding('latin1');
    socket.on('secureConnect', () => socket.write(requests[0]!));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffer.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.slice(end + 4 + length);
        heads.push(head);
        if (heads.length === requests.length) {
          socket.end();
          resolve(heads);
          return;
        }
        socket.write(requests[heads.length]!);
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`timed out with ${heads.length} answers`)), 5_000).unref();
  });
}

describe('lean engine on a TLS dedicated listener', () => {
  it('answers kept-alive checks over TLS, then hands a request with a body to node:https on the same connection', async () => {
    const alice = await issuer.token('alice');
    const bob = await issuer.token('bob');
    const heads = await over([
      check(alice),
      check(bob),
      // a body is outside the lean subset: node:https answers it, and the connection goes on
      check(alice, 'Content-Length: 5\r\n').replace(/\r\n\r\n$/, '\r\n\r\nhello'),
      check(alice),
    ]);
    assert.match(heads[0]!, /^HTTP\/1\.1 200 /);
    assert.match(heads[0]!, /\r\nx-gatehouse-assertion: ey/);
    assert.match(heads[0]!, /\r\ndate: /, 'the lean engine answered (lower-case date)');
    assert.match(heads[1]!, /^HTTP\/1\.1 403 /);
    assert.match(heads[1]!, /\r\nx-gatehouse-reason: /);
    assert.match(heads[2]!, /^HTTP\/1\.1 200 /);
    assert.match(heads[2]!, /\r\nDate: /, 'node:https answered the request with a body');
    assert.match(heads[3]!, /^HTTP\/1\.1 200 /);
    assert.match(heads[3]!, /\r\nDate: /, 'after a hand-over node:https keeps the connection');
  });
});
