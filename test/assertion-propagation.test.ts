import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { request } from 'undici';
import {
  type RunningGatehouse,
  startEchoUpstream,
  startGatehouse,
  type Upstream,
} from './helpers/servers.ts';

describe('identity propagation through the proxy', () => {
  let up: Upstream;
  let gh: RunningGatehouse;

  before(async () => {
    up = await startEchoUpstream();
    gh = await startGatehouse({
      assertion: { issuer: 'https://gatehouse.test', ttlSeconds: 60 },
      routes: [
        { id: 'app', match: { host: 'app.test', path: '/' }, upstream: up.url, public: true },
        {
          id: 'nosig',
          match: { host: 'app.test', path: '/plain' },
          upstream: up.url,
          public: true,
          assertion: { enabled: false },
        },
      ],
    });
  });
  after(async () => {
    await gh.close();
    await up.close();
  });

  async function through(path: string, headers: Record<string, string> = {}) {
    const res = await request(`${gh.url}${path}`, { headers: { host: 'app.test', ...headers } });
    return (await res.body.json()) as { url: string; headers: Record<string, string> };
  }

  it('sends a signed assertion bound to the request that verifies against the published JWKS', async () => {
    const seen = await through('/items/1?x=1', { 'X-Gatehouse-Assertion': 'forged.token.value' });
    const token = seen.headers['x-gatehouse-assertion'];
    assert.ok(token && token !== 'forged.token.value', 'the forged header must be replaced');
    const jwksRes = await request(`${gh.url}/.well-known/gatehouse/jwks.json`, {
      headers: { host: 'any.host' },
    });
    assert.equal(jwksRes.statusCode, 200);
    assert.match(String(jwksRes.headers['cache-control']), /max-age=\d+/);
    const jwks = await jwksRes.body.json();
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), {
      issuer: 'https://gatehouse.test',
      audience: up.url,
      typ: 'gatehouse-assertion+jwt',
    });
    assert.equal(payload.kind, 'anonymous');
    assert.deepEqual(payload.req, {
      m: 'GET',
      h: 'app.test',
      p: createHash('sha256').update('/items/1').digest('base64url'),
    });
  });

  it('serves the same JWKS on the admin port', async () => {
    const a = await (await request(`${gh.adminUrl}/.well-known/gatehouse/jwks.json`)).body.json();
    const b = await (
      await request(`${gh.url}/.well-known/gatehouse/jwks.json`, { headers: { host: 'x.test' } })
    ).body.json();
    assert.deepEqual(a, b);
    assert.equal((a as { keys: unknown[] }).keys.length, 1);
  });

  it('sends no assertion where the route turns it off, and still strips a forged one', async () => {
    const seen = await through('/plain', { 'x-gatehouse-assertion': 'forged' });
    assert.equal(seen.headers['x-gatehouse-assertion'], undefined);
  });
});
