/**
 * Forward-auth behind a real nginx (Debian nginx with auth_request), started by the test on
 * loopback in front of a test upstream: plain nginx auth_request and an ingress-nginx-shaped
 * auth-url / auth-signin location.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { normaliseTarget } from '../src/routing/index.ts';
import {
  APP_HOST,
  binary,
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
import { nginxConfig } from './helpers/nginx-forward-auth.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

const NGINX = binary('/usr/sbin/nginx', '/usr/bin/nginx');

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
}

describe('forward-auth behind nginx auth_request', {
  skip: NGINX ? false : 'nginx is not installed (/usr/sbin/nginx)',
}, () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  let nginx: Peer;
  let ingressPort: number;
  let upstream: http.Server;
  let signin: http.Server;
  let signinUrl: string;
  const seen: Seen[] = [];

  before(async () => {
    issuer = await testIssuer();
    upstream = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    // the sign-in endpoint on another host (SSO is built separately): a completed login sends the browser back to rd
    signin = http.createServer((req, res) => {
      const rd = new URL(req.url ?? '/', 'http://x').searchParams.get('rd') ?? '/';
      res.writeHead(302, { location: rd });
      res.end();
    });
    await new Promise<void>((r) => signin.listen(0, '127.0.0.1', r));
    signinUrl = `http://login.test:${(signin.address() as AddressInfo).port}/.gatehouse/login`;
    gh = await startGatehouse(forwardAuthConfig(issuer, { signInUrl: signinUrl }));
    const dir = peerDir('gatehouse-nginx-');
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(`${dir}/${sub}`);
    const port = await freePort();
    ingressPort = await freePort();
    writeFileSync(
      `${dir}/nginx.conf`,
      nginxConfig({
        dir,
        port,
        ingressPort,
        gatehousePort: gh.port,
        upstreamPort: (upstream.address() as AddressInfo).port,
        signinUrl,
      }),
    );
    nginx = await startPeer({
      command: NGINX!,
      args: ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`],
      port,
      dir,
      logFiles: [`${dir}/error.log`],
    });
    // wait for the second server too
    await startPeerPortReady(ingressPort);
  });
  after(async () => {
    await nginx?.stop();
    await gh?.close();
    upstream?.close();
    signin?.close();
    issuer?.close();
  });

  async function via(port: number, path: string, headers: Record<string, string> = {}) {
    seen.length = 0;
    const res = await request(`http://127.0.0.1:${port}${path}`, { headers: { host: APP_HOST, ...headers } });
    const body = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body };
  }

  it('allows a public path; the upstream gets the assertion, not the client\u2019s forged one', async () => {
    const r = await via(nginx.port, '/public/page?x=1', {
      'x-gatehouse-assertion': 'forged.by.client',
      'x-gatehouse-user': 'admin',
    });
    assert.equal(r.status, 200, nginx.logs());
    assert.equal(seen.length, 1);
    const got = seen[0]!.headers;
    assert.notEqual(got['x-gatehouse-assertion'], 'forged.by.client');
    const claims = jwtPayload(String(got['x-gatehouse-assertion']));
    assert.equal(claims.aud, 'app');
    assert.equal(claims.iss, 'https://gatehouse.test');
    assert.equal(got['x-gatehouse-user'], undefined, 'no user on a public route, and the forged one is gone');
  });

  it('allows alice with a bearer JWT and tells the upstream who she is', async () => {
    const token = await issuer.token('alice');
    const r = await via(nginx.port, '/dash', {
      authorization: `Bearer ${token}`,
      'x-gatehouse-user': 'admin',
    });
    assert.equal(r.status, 200);
    const got = seen[0]!.headers;
    assert.equal(jwtPayload(String(got['x-gatehouse-assertion'])).sub, 'alice');
    assert.equal(got['x-gatehouse-user'], 'alice');
  });

  it('denies bob: 403 from nginx, the upstream never sees the request', async () => {
    const token = await issuer.token('bob');
    const r = await via(nginx.port, '/dash', { authorization: `Bearer ${token}` });
    assert.equal(r.status, 403);
    assert.equal(seen.length, 0);
  });

  it('an API client without credentials gets 401 with the challenge', async () => {
    const r = await via(nginx.port, '/dash', { accept: 'application/json' });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
    assert.equal(seen.length, 0);
  });

  it('browser sign-in round trip: 401 -> 302 to the sign-in host with rd -> back on the original URL', async () => {
    const r = await via(nginx.port, '/dash/report?tab=2', { accept: 'text/html' });
    assert.equal(r.status, 302);
    const location = new URL(String(r.headers.location));
    assert.equal(location.host, new URL(signinUrl).host, 'across hosts');
    assert.equal(location.pathname, '/.gatehouse/login');
    const rd = location.searchParams.get('rd');
    assert.equal(rd, `http://${APP_HOST}/dash/report?tab=2`);

    const login = await request(`http://127.0.0.1:${location.port}${location.pathname}${location.search}`, {
      headers: { host: location.host },
    });
    await login.body.dump();
    assert.equal(login.statusCode, 302);
    const back = new URL(String(login.headers.location));
    assert.equal(back.href, rd);

    const token = await issuer.token('alice');
    const landed = await via(nginx.port, `${back.pathname}${back.search}`, {
      host: back.host,
      accept: 'text/html',
      authorization: `Bearer ${token}`,
    });
    assert.equal(landed.status, 200);
    assert.equal(JSON.parse(landed.body).url, '/dash/report?tab=2');
  });

  it('ingress-nginx shape: X-Original-URL decides, auth-signin round trip lands back', async () => {
    const token = await issuer.token('alice');
    const ok = await via(ingressPort, '/dash?a=1', { authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200);
    assert.equal(jwtPayload(String(seen[0]!.headers['x-gatehouse-assertion'])).sub, 'alice');

    const r = await via(ingressPort, '/dash?a=1', { accept: 'text/html' });
    assert.equal(r.status, 302);
    const location = new URL(String(r.headers.location));
    assert.equal(location.searchParams.get('rd'), `http://${APP_HOST}/dash?a=1`);
    const denied = await via(ingressPort, '/dash', { authorization: `Bearer ${await issuer.token('bob')}` });
    assert.equal(denied.status, 403);
  });

  it('path tricks through nginx are decided on the path the upstream receives', async () => {
    const tricks = PATH_TRICKS;
    for (const target of tricks) {
      seen.length = 0;
      const { status, event } = await throughPeer(nginx.port, target);
      if (seen.length === 0) {
        assert.notEqual(status, 200, `${target}: 200 without reaching the upstream?`);
        continue;
      }
      // it reached the upstream: Gatehouse must have allowed exactly the path the upstream got
      assert.equal(status, 200, target);
      assert.ok(event, `${target}: upstream reached without a forward-auth decision`);
      assert.equal(event.decision.outcome, 'allow', target);
      const upstreamPath = normaliseTarget(seen[0]!.url, APP_HOST, { mergeSlashes: true });
      assert.ok(upstreamPath.ok, `${target}: the upstream got ${seen[0]!.url}, which the proxy would refuse`);
      assert.equal(upstreamPath.path, event.request.path, target);
      assert.ok(
        upstreamPath.path.startsWith('/public'),
        `${target} reached ${upstreamPath.path} without a token`,
      );
    }
  });
});

/** Wait until something listens on a port (bounded). */
async function startPeerPortReady(port: number): Promise<void> {
  const net = await import('node:net');
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await delay(20);
  }
  throw new Error(`nothing listens on ${port}`);
}
