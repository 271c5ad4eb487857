/**
 * Forward-auth behind a real Caddy (`forward_auth` with `copy_headers`), started by the test
 * on loopback with its admin API off, automatic HTTPS off and storage in a temp dir.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { normaliseTarget } from '../src/routing/index.ts';
import {
  APP_HOST,
  binary,
  caddyfile,
  forwardAuthConfig,
  freePort,
  jwtPayload,
  PATH_TRICKS,
  type Peer,
  peerDir,
  startPeer,
  type TestIssuer,
  testIssuer,
  throughPeer,
} from './helpers/forward-auth.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

const CADDY = binary('/usr/bin/caddy', '/usr/local/bin/caddy');

describe('forward-auth behind caddy forward_auth', {
  skip: CADDY ? false : 'caddy is not installed (/usr/bin/caddy)',
}, () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  let caddy: Peer;
  let upstream: http.Server;
  const seen: http.IncomingHttpHeaders[] = [];
  const urls: string[] = [];
  const upgrades: http.IncomingHttpHeaders[] = [];

  before(async () => {
    issuer = await testIssuer();
    upstream = http.createServer((req, res) => {
      seen.push(req.headers);
      urls.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url }));
    });
    const wss = new WebSocketServer({ noServer: true });
    upstream.on('upgrade', (req, socket, head) => {
      upgrades.push(req.headers);
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(m)));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    gh = await startGatehouse(forwardAuthConfig(issuer));
    const dir = peerDir('gatehouse-caddy-');
    mkdirSync(`${dir}/storage`);
    mkdirSync(`${dir}/data`);
    mkdirSync(`${dir}/config`);
    const port = await freePort();
    writeFileSync(
      `${dir}/Caddyfile`,
      caddyfile(dir, port, gh.port, (upstream.address() as AddressInfo).port),
    );
    caddy = await startPeer({
      command: CADDY!,
      args: ['run', '--config', `${dir}/Caddyfile`, '--adapter', 'caddyfile'],
      port,
      dir,
      env: { XDG_DATA_HOME: `${dir}/data`, XDG_CONFIG_HOME: `${dir}/config`, HOME: dir },
    });
  });
  after(async () => {
    await caddy?.stop();
    await gh?.close();
    upstream?.closeAllConnections();
    upstream?.close();
    issuer?.close();
  });

  async function via(path: string, headers: Record<string, string> = {}) {
    seen.length = 0;
    urls.length = 0;
    const res = await request(`http://127.0.0.1:${caddy.port}${path}`, {
      headers: { host: APP_HOST, ...headers },
    });
    const body = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body };
  }

  it('allows a public path; the upstream gets the assertion, not the client\u2019s forged one', async () => {
    const r = await via('/public/x', { 'x-gatehouse-assertion': 'forged', 'x-gatehouse-user': 'admin' });
    assert.equal(r.status, 200, caddy.logs());
    assert.equal(seen.length, 1);
    assert.notEqual(seen[0]!['x-gatehouse-assertion'], 'forged');
    assert.equal(jwtPayload(String(seen[0]!['x-gatehouse-assertion'])).aud, 'app');
    // Caddy >= 2.7 deletes the client's copy; Debian's 2.6 writes its placeholder text instead
    assert.notEqual(seen[0]!['x-gatehouse-user'], 'admin', 'the forged user never reaches the upstream');
  });

  it('allows alice with a bearer JWT: assertion and claim header reach the upstream', async () => {
    const token = await issuer.token('alice');
    const r = await via('/dash', { authorization: `Bearer ${token}`, 'x-gatehouse-user': 'admin' });
    assert.equal(r.status, 200);
    assert.equal(jwtPayload(String(seen[0]!['x-gatehouse-assertion'])).sub, 'alice');
    assert.equal(seen[0]!['x-gatehouse-user'], 'alice');
  });

  it('denies bob with 403 and the reason; the upstream never sees it', async () => {
    const r = await via('/dash', { authorization: `Bearer ${await issuer.token('bob')}` });
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-gatehouse-reason'], 'no-rule-matched');
    assert.equal(seen.length, 0);
  });

  it('an API client gets 401 with the challenge', async () => {
    const r = await via('/dash', { accept: 'application/json' });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);
  });

  it('a browser gets 302 to sign in with rd = the original URL, and lands back after login', async () => {
    const r = await via('/dash/report?tab=2', { accept: 'text/html' });
    assert.equal(r.status, 302);
    const location = new URL(String(r.headers.location));
    assert.equal(location.pathname, '/.gatehouse/login');
    assert.equal(location.host, APP_HOST, 'the default sign-in URL is on the original host');
    const rd = new URL(String(location.searchParams.get('rd')));
    assert.equal(rd.href, `http://${APP_HOST}/dash/report?tab=2`);
    const token = await issuer.token('alice');
    const back = await via(`${rd.pathname}${rd.search}`, { authorization: `Bearer ${token}` });
    assert.equal(back.status, 200);
    assert.equal(JSON.parse(back.body).url, '/dash/report?tab=2');
  });

  it('a WebSocket is checked like any request (Caddy passes Upgrade on to the check)', async () => {
    upgrades.length = 0;
    const ws = new WebSocket(`ws://127.0.0.1:${caddy.port}/public/socket`, { headers: { host: APP_HOST } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`answered ${res.statusCode}`)));
      ws.once('error', reject);
    });
    ws.send('ping');
    const echo = await new Promise<string>((r) => ws.once('message', (data) => r(String(data))));
    assert.equal(echo, 'ping');
    ws.close();
    assert.equal(upgrades.length, 1);
    assert.equal(jwtPayload(String(upgrades[0]!['x-gatehouse-assertion'])).aud, 'app');

    const denied = new WebSocket(`ws://127.0.0.1:${caddy.port}/dash/socket`, {
      headers: { host: APP_HOST, accept: 'application/json' },
    });
    denied.on('error', () => {});
    const status = await new Promise<number>((resolve, reject) => {
      denied.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      denied.once('open', () => reject(new Error('a WebSocket without a token was let through')));
    });
    denied.terminate();
    assert.equal(status, 401);
    assert.equal(upgrades.length, 1, 'the upstream never saw the denied upgrade');
  });

  it('path tricks are decided on the path the upstream receives', async () => {
    for (const target of PATH_TRICKS) {
      seen.length = 0;
      urls.length = 0;
      const { status, event } = await throughPeer(caddy.port, target);
      if (urls.length === 0) {
        assert.notEqual(status, 200, `${target}: 200 without reaching the upstream?`);
        continue;
      }
      assert.equal(status, 200, target);
      assert.equal(event?.decision.outcome, 'allow', target);
      const got = normaliseTarget(urls[0]!, APP_HOST, { mergeSlashes: true });
      assert.ok(got.ok, `${target}: the upstream got ${urls[0]}, which the proxy would refuse`);
      assert.equal(got.path, event?.request.path, target);
      assert.ok(got.path.startsWith('/public'), `${target} reached ${got.path} without a token`);
    }
  });
});
