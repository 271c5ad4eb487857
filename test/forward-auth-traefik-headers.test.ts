/**
 * Forward-auth with Traefik ForwardAuth's request shape (Traefik itself is not installed:
 * the requests are built exactly as its forwardauth middleware sends them: GET to the
 * address with X-Forwarded-Method/-Proto/-Host/-Uri and the client's headers).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { RequestFinishedEvent } from '../src/observe/index.ts';
import { tempDir, testConfig, writeConfigFile } from './helpers/config-file.ts';
import { nextEvent } from './helpers/events.ts';
import {
  APP_HOST,
  forwardAuthConfig,
  jwtPayload,
  type TestIssuer,
  testIssuer,
} from './helpers/forward-auth.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

function traefik(uri: string, extra: Record<string, string | string[]> = {}, method = 'GET') {
  return {
    'x-forwarded-method': method,
    'x-forwarded-proto': 'https',
    'x-forwarded-host': APP_HOST,
    'x-forwarded-uri': uri,
    'x-forwarded-for': '203.0.113.9',
    ...extra,
  };
}

describe('forward-auth: Traefik ForwardAuth request shape', () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  let faPort: number;

  before(async () => {
    issuer = await testIssuer();
    gh = await startGatehouse({
      listeners: [
        { name: 'web', port: 0 },
        { name: 'auth', port: 0 },
      ],
      ...forwardAuthConfig(issuer, {
        listener: 'auth',
        responseHeaders: { 'X-Auth-Request-User': 'subject' },
      }),
    });
    faPort = gh.gateway.listenerPort('auth');
  });
  after(async () => {
    await gh.close();
    issuer.close();
  });

  async function check(
    headers: Record<string, string | string[]>,
    path = '/.gatehouse/auth/traefik',
    port = gh.port,
  ) {
    const res = await request(`http://127.0.0.1:${port}${path}`, {
      headers: { host: 'gatehouse.internal', ...headers },
    });
    const body = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body };
  }

  it('allows a public route: 200 with an assertion bound to the original request', async () => {
    const r = await check(traefik('/public/page?x=1'));
    assert.equal(r.status, 200);
    const claims = jwtPayload(String(r.headers['x-gatehouse-assertion']));
    assert.equal(claims.aud, 'app');
    const req = claims.req as { m: string; h: string; p: string };
    assert.deepEqual(req, {
      m: 'GET',
      h: APP_HOST,
      p: createHash('sha256').update('/public/page').digest('base64url'),
    });
    assert.ok(r.headers['x-request-id']);
  });

  it('allows alice with a bearer JWT: assertion, claim header and the extra response header', async () => {
    const token = await issuer.token('alice');
    const r = await check(traefik('/dash', { authorization: `Bearer ${token}` }));
    assert.equal(r.status, 200);
    assert.equal(jwtPayload(String(r.headers['x-gatehouse-assertion'])).sub, 'alice');
    assert.equal(r.headers['x-gatehouse-user'], 'alice');
    assert.equal(r.headers['x-auth-request-user'], 'alice');
  });

  it('denies bob with 403 and the reason', async () => {
    const token = await issuer.token('bob');
    const r = await check(traefik('/dash', { authorization: `Bearer ${token}`, accept: 'application/json' }));
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-gatehouse-reason'], 'no-rule-matched');
    assert.equal(r.headers['x-gatehouse-assertion'], undefined);
    assert.equal(JSON.parse(r.body).error, 'no-rule-matched');
  });

  it('answers an API client without credentials 401 with WWW-Authenticate, no redirect', async () => {
    const r = await check(traefik('/dash', { accept: 'application/json' }));
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
    assert.equal(r.headers.location, undefined);
  });

  it('sends a browser 302 to the sign-in URL on the original host with rd = the original URL', async () => {
    const r = await check(traefik('/dash/x?tab=2', { accept: 'text/html,application/xhtml+xml' }));
    assert.equal(r.status, 302);
    const location = new URL(String(r.headers.location));
    assert.equal(location.origin, `https://${APP_HOST}`);
    assert.equal(location.pathname, '/.gatehouse/login');
    assert.equal(location.searchParams.get('rd'), `https://${APP_HOST}/dash/x?tab=2`);
  });

  it('a bad token is a 401 with invalid_token, never a fall-through', async () => {
    const r = await check(
      traefik('/dash', { authorization: 'Bearer not.a.jwt', accept: 'application/json' }),
    );
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /invalid_token/);
  });

  it('audit mode lets a would-deny through with identity headers', async () => {
    const token = await issuer.token('bob');
    const r = await check(traefik('/audit/x', { authorization: `Bearer ${token}` }));
    assert.equal(r.status, 200);
    assert.equal(jwtPayload(String(r.headers['x-gatehouse-assertion'])).sub, 'bob');
  });

  it('normalises the original path exactly as the proxy does before deciding', async () => {
    const seen = nextEvent<RequestFinishedEvent>(
      'gatehouse:request:finished',
      (e) => e.via === 'forward-auth',
    );
    const r = await check(traefik('/public/../dash', { accept: 'application/json' }));
    assert.equal(r.status, 401, 'decided on /dash, not on the public prefix');
    const e = await seen;
    assert.equal(e.request.path, '/dash');
    assert.equal(e.request.host, APP_HOST);
    assert.equal(e.request.clientAddress, '203.0.113.9');
    assert.equal(e.decision.routeId, 'app');

    for (const uri of ['/public/..%2fdash', '/public/..;/dash', '/public\\..\\dash', '/public/%00']) {
      const x = await check(traefik(uri, { accept: 'application/json' }));
      assert.equal(x.status, 403, uri);
      assert.equal(x.headers['x-gatehouse-reason'], 'request-invalid', uri);
    }
    const dot = await check(traefik('/public/%2e%2e/dash', { accept: 'application/json' }));
    assert.equal(dot.status, 401, 'encoded dot segments are dot segments');
  });

  it('reads the host the proxy way: case, trailing dot and port; refuses an invalid one', async () => {
    const ok = await check(traefik('/public', { 'x-forwarded-host': 'APP.TEST.:8443' }));
    assert.equal(ok.status, 200);
    const p = jwtPayload(String(ok.headers['x-gatehouse-assertion']));
    assert.equal((p.req as { h: string }).h, APP_HOST);
    const bad = await check(traefik('/public', { 'x-forwarded-host': 'app.test, evil.test' }));
    assert.equal(bad.status, 403);
    assert.equal(bad.headers['x-gatehouse-reason'], 'request-invalid');
    const unknown = await check(traefik('/public', { 'x-forwarded-host': 'other.test' }));
    assert.equal(unknown.status, 403, 'no route: 403, not 404 (the ingress routed it)');
    assert.equal(unknown.headers['x-gatehouse-reason'], 'route-not-found');
  });

  it('denies when a header is missing, repeated or contradicted', async () => {
    const { 'x-forwarded-uri': _u, ...noUri } = traefik('/public');
    const missing = await check(noUri);
    assert.equal(missing.status, 403);
    assert.equal(missing.headers['x-gatehouse-reason'], 'forward-auth-headers-missing');

    const { 'x-forwarded-proto': _p, ...noProto } = traefik('/public');
    assert.equal((await check(noProto)).headers['x-gatehouse-reason'], 'forward-auth-headers-missing');

    const repeated = await check(traefik('/public', { 'x-forwarded-uri': ['/public', '/dash'] }));
    assert.equal(repeated.status, 403);
    assert.equal(repeated.headers['x-gatehouse-reason'], 'forward-auth-headers-conflict');

    // a client slipping nginx's header through Traefik cannot redirect the decision
    const smuggled = await check(traefik('/dash', { 'x-original-uri': '/public' }));
    assert.equal(smuggled.status, 403);
    assert.equal(smuggled.headers['x-gatehouse-reason'], 'forward-auth-headers-conflict');
    const agreeing = await check(traefik('/public', { 'x-original-uri': '/public' }));
    assert.equal(agreeing.status, 200, 'a description that agrees is harmless');

    const badMethod = await check(traefik('/public', {}, 'BREW'));
    assert.equal(badMethod.headers['x-gatehouse-reason'], 'request-invalid');
    const badProto = await check(traefik('/public', { 'x-forwarded-proto': 'gopher' }));
    assert.equal(badProto.headers['x-gatehouse-reason'], 'request-invalid');
  });

  it('without any describing header: 403 forward-auth-headers-missing', async () => {
    const r = await check({ accept: 'application/json' }, '/.gatehouse/auth');
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-gatehouse-reason'], 'forward-auth-headers-missing');
  });

  it('/.gatehouse/auth detects the dialect; the dedicated listener answers on every path', async () => {
    const auto = await check(traefik('/public'), '/.gatehouse/auth');
    assert.equal(auto.status, 200);
    const dedicated = await check(traefik('/public'), '/', faPort);
    assert.equal(dedicated.status, 200);
    const anyPath = await check(traefik('/dash', { accept: 'application/json' }), '/some/auth/path', faPort);
    assert.equal(anyPath.status, 401);
  });

  it('records one decision per check with via forward-auth', async () => {
    const seen = nextEvent<RequestFinishedEvent>(
      'gatehouse:request:finished',
      (e) => e.via === 'forward-auth' && e.request.path === '/public/audited',
    );
    await check(traefik('/public/audited'));
    const e = await seen;
    assert.equal(e.status, 200);
    assert.equal(e.decision.outcome, 'allow');
    assert.deepEqual(e.decision.reasons, ['public-route']);
  });
});

describe('forward-auth: peers outside forwardAuth.trustedProxies', () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  before(async () => {
    issuer = await testIssuer();
    gh = await startGatehouse(forwardAuthConfig(issuer, { trustedProxies: ['10.0.0.0/8'] }));
  });
  after(async () => {
    await gh.close();
    issuer.close();
  });

  it('are refused with 403 forward-auth-untrusted-peer, even for a public route', async () => {
    const res = await request(`${gh.url}/.gatehouse/auth`, {
      headers: { host: APP_HOST, ...traefik('/public') },
    });
    await res.body.dump();
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['x-gatehouse-reason'], 'forward-auth-untrusted-peer');
    assert.equal(res.headers['x-gatehouse-assertion'], undefined);
  });
});

describe('forward-auth: not configured', () => {
  let gh: RunningGatehouse;
  before(async () => {
    gh = await startGatehouse({ routes: [] });
  });
  after(() => gh.close());

  it('the endpoint answers 404 and never allows', async () => {
    const res = await request(`${gh.url}/.gatehouse/auth`, {
      headers: { host: APP_HOST, ...traefik('/public') },
    });
    await res.body.dump();
    assert.equal(res.statusCode, 404);
  });
});

describe('forward-auth follows a reload', () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  let dir: ReturnType<typeof tempDir>;
  before(async () => {
    issuer = await testIssuer();
    dir = tempDir();
    writeConfigFile(dir.file('gatehouse.yaml'), testConfig(forwardAuthConfig(issuer)));
    gh = await startGatehouse({}, { configFile: dir.file('gatehouse.yaml') });
  });
  after(async () => {
    await gh.close();
    issuer.close();
    dir.remove();
  });

  async function status(): Promise<{ status: number; reason: unknown }> {
    const res = await request(`${gh.url}/.gatehouse/auth`, {
      headers: { host: APP_HOST, ...traefik('/public') },
    });
    await res.body.dump();
    return { status: res.statusCode, reason: res.headers['x-gatehouse-reason'] };
  }

  it('trusted peers and the feature itself change with the config, without a restart', async () => {
    assert.equal((await status()).status, 200);
    writeConfigFile(
      dir.file('gatehouse.yaml'),
      testConfig(forwardAuthConfig(issuer, { trustedProxies: ['10.0.0.0/8'] })),
    );
    assert.equal((await gh.gateway.reload('api')).ok, true);
    assert.deepEqual(await status(), { status: 403, reason: 'forward-auth-untrusted-peer' });
    const { forwardAuth: _fa, routes: _r, ...rest } = forwardAuthConfig(issuer);
    writeConfigFile(dir.file('gatehouse.yaml'), testConfig({ ...rest, routes: [] }));
    assert.equal((await gh.gateway.reload('api')).ok, true);
    assert.equal(
      (await status()).status,
      404,
      'forwardAuth removed: the endpoint is gone, nothing is allowed',
    );
  });
});
