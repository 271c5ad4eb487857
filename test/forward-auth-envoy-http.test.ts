/**
 * Forward-auth as an Envoy ext_authz HTTP service: requests shaped like Envoy's
 * (original method, `path_prefix` + original path and query, original Host, the headers in
 * allowed_headers), and the answers Envoy reads (2xx + allowed_upstream_headers,
 * x-envoy-auth-headers-to-remove; any other status goes to the client).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { RequestFinishedEvent } from '../src/observe/index.ts';
import { nextEvent } from './helpers/events.ts';
import {
  APP_HOST,
  forwardAuthConfig,
  jwtPayload,
  type TestIssuer,
  testIssuer,
} from './helpers/forward-auth.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

const PREFIX = '/.gatehouse/ext-authz';

describe('forward-auth: Envoy ext_authz HTTP service', () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  let faPort: number;

  before(async () => {
    issuer = await testIssuer();
    gh = await startGatehouse({
      listeners: [
        { name: 'web', port: 0 },
        { name: 'authz', port: 0 },
      ],
      ...forwardAuthConfig(issuer, { listener: 'authz' }),
    });
    faPort = gh.gateway.listenerPort('authz');
  });
  after(async () => {
    await gh.close();
    issuer.close();
  });

  async function envoy(
    path: string,
    headers: Record<string, string> = {},
    method = 'GET',
    port = gh.port,
    prefix = PREFIX,
  ) {
    const res = await request(`http://127.0.0.1:${port}${prefix}${path}`, {
      method: method as 'GET',
      headers: { host: APP_HOST, 'x-forwarded-proto': 'https', ...headers },
    });
    const body = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body };
  }

  it('allows with identity headers and asks Envoy to remove the client\u2019s other identity headers', async () => {
    const token = await issuer.token('alice');
    const r = await envoy('/dash?x=1', {
      authorization: `Bearer ${token}`,
      'x-gatehouse-user': 'admin',
      'x-forwarded-email': 'ceo@example.com',
    });
    assert.equal(r.status, 200);
    assert.equal(jwtPayload(String(r.headers['x-gatehouse-assertion'])).sub, 'alice');
    assert.equal(r.headers['x-gatehouse-user'], 'alice');
    assert.equal(r.headers['x-envoy-auth-headers-to-remove'], 'x-forwarded-email');
  });

  it('decides on the original method and path (after the prefix)', async () => {
    const seen = nextEvent<RequestFinishedEvent>(
      'gatehouse:request:finished',
      (e) => e.via === 'forward-auth',
    );
    const r = await envoy('/public/form', {}, 'POST');
    assert.equal(r.status, 200);
    const e = await seen;
    assert.equal(e.request.method, 'POST');
    assert.equal(e.request.path, '/public/form');
    assert.equal(e.request.scheme, 'https');
  });

  it('denies with the status Envoy passes to the client; a browser is redirected', async () => {
    const bob = await envoy('/dash', { authorization: `Bearer ${await issuer.token('bob')}` });
    assert.equal(bob.status, 403);
    const browser = await envoy('/dash', { accept: 'text/html' });
    assert.equal(browser.status, 302);
    assert.equal(
      new URL(String(browser.headers.location)).searchParams.get('rd'),
      `https://${APP_HOST}/dash`,
    );
  });

  it('path tricks are normalised; climbing out of the prefix never reaches a check that allows', async () => {
    const dots = await envoy('/public/../dash', { accept: 'application/json' });
    assert.equal(dots.status, 401);
    const out = await envoy('/../../public', { accept: 'application/json' });
    assert.notEqual(out.status, 200);
    const smuggled = await envoy('/dash', { 'x-forwarded-uri': '/public', accept: 'application/json' });
    assert.equal(smuggled.status, 403);
    assert.equal(smuggled.headers['x-gatehouse-reason'], 'forward-auth-headers-conflict');
  });

  it('on the dedicated listener the prefix selects the Envoy dialect', async () => {
    const r = await envoy('/public/x', {}, 'GET', faPort);
    assert.equal(r.status, 200);
    const denied = await envoy('/dash', { accept: 'application/json' }, 'GET', faPort);
    assert.equal(denied.status, 401);
  });
});
