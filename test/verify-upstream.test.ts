import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { stringify } from 'yaml';
import { gatehouseNode, type Identity } from '../packages/verify/src/index.ts';
import { type RunningGatehouse, startGatehouse, startUpstream, type Upstream } from './helpers/servers.ts';

/**
 * An upstream protected by @gatehouse/verify behind a real Gatehouse: what "block
 * direct-to-service access" means for the application.
 */
describe('@gatehouse/verify behind Gatehouse (the real signer)', () => {
  let app: Upstream;
  let gh: RunningGatehouse;
  const seen: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'gh-verify-'));
  const file = join(dir, 'gatehouse.yaml');
  const keyA = join(dir, 'a.pem');
  const keyB = join(dir, 'b.pem');
  for (const k of [keyA, keyB]) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(k, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  }
  const config = (keys: { file: string; kid: string }[], adminPort: number) =>
    stringify({
      listeners: [{ name: 'web', port: 0 }],
      admin: { port: adminPort },
      audit: { output: { file: '/dev/null' } },
      assertion: { issuer: 'https://gatehouse.test', keys, leadSeconds: 0, ttlSeconds: 60 },
      routes: [
        {
          id: 'orders',
          match: { host: 'orders.test' },
          upstream: app.url,
          public: true,
          assertion: { audience: 'orders' },
        },
        {
          id: 'other',
          match: { host: 'other.test' },
          upstream: app.url,
          public: true,
          assertion: { audience: 'billing' },
        },
      ],
    });

  before(async () => {
    let guard: ReturnType<typeof gatehouseNode> | undefined;
    app = await startUpstream(async (req, res) => {
      if (!guard) {
        res.writeHead(503).end();
        return;
      }
      const who: Identity | undefined = await guard(req, res);
      if (!who) return;
      seen.push(`${req.method} ${req.url} ${who.subject}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${who.subject}`);
    });
    writeFileSync(file, config([{ file: keyA, kid: 'a' }], 0));
    gh = await startGatehouse({}, { configFile: file });
    guard = gatehouseNode({
      issuer: 'https://gatehouse.test',
      audience: 'orders',
      jwksUrl: `${gh.adminUrl}/.well-known/gatehouse/jwks.json`,
      allowAnonymous: true,
      jwksCooldownMs: 0,
    });
  });
  after(async () => {
    await gh.close();
    await app.close();
  });

  async function viaGatehouse(path: string, method = 'GET', host = 'orders.test') {
    const r = await request(`${gh.url}${path}`, { method: method as 'GET', headers: { host } });
    return { status: r.statusCode, text: await r.body.text() };
  }

  it('accepts requests that came through Gatehouse', async () => {
    const r = await viaGatehouse('/orders/1');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'hello anonymous');
  });

  it('refuses a direct request to the service (no assertion)', async () => {
    const r = await request(`${app.url}/orders/1`, { headers: { host: 'orders.test' } });
    assert.equal(r.statusCode, 401);
    assert.equal(((await r.body.json()) as { error: string }).error, 'missing');
  });

  async function capture(path: string, method = 'GET', host = 'orders.test'): Promise<string> {
    // a second upstream records the assertion Gatehouse sends, as an attacker inside the cluster might
    let token = '';
    const spy = await startUpstream((req, res) => {
      token = String(req.headers['x-gatehouse-assertion'] ?? '');
      res.end();
    });
    const spyGh = await startGatehouse({
      assertion: { issuer: 'https://gatehouse.test', keys: [{ file: keyA, kid: 'a' }] },
      routes: [
        {
          id: 'spy',
          match: { host },
          upstream: spy.url,
          public: true,
          assertion: { audience: host === 'orders.test' ? 'orders' : 'billing' },
        },
      ],
    });
    await (await request(`${spyGh.url}${path}`, { method: method as 'GET', headers: { host } })).body.text();
    await spyGh.close();
    await spy.close();
    return token;
  }

  async function direct(path: string, token: string, method = 'GET') {
    const r = await request(`${app.url}${path}`, {
      method: method as 'GET',
      headers: { host: 'orders.test', 'x-gatehouse-assertion': token },
    });
    const text = await r.body.text();
    return {
      status: r.statusCode,
      body: (r.statusCode === 401 ? JSON.parse(text) : { error: '' }) as { error: string },
    };
  }

  it('refuses an assertion replayed at another path or method', async () => {
    const token = await capture('/orders/1');
    assert.ok(token.length > 0);
    assert.equal((await direct('/orders/2', token)).body.error, 'binding');
    assert.equal((await direct('/orders/1', token, 'DELETE')).body.error, 'binding');
    assert.equal(
      (await direct('/orders/1', token)).status,
      200,
      'the same request is still accepted within its lifetime',
    );
  });

  it("refuses another audience's assertion", async () => {
    const token = await capture('/orders/1', 'GET', 'other.test');
    const r = await request(`${app.url}/orders/1`, {
      headers: { host: 'other.test', 'x-gatehouse-assertion': token },
    });
    assert.equal(r.statusCode, 401);
    assert.equal(((await r.body.json()) as { error: string }).error, 'audience');
  });

  it('refuses an assertion signed by a key not in the JWKS', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'gh-rogue-'));
    const rogue = join(dir2, 'rogue.pem');
    writeFileSync(
      rogue,
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        format: 'pem',
        type: 'pkcs8',
      }),
    );
    let token = '';
    const spy = await startUpstream((req, res) => {
      token = String(req.headers['x-gatehouse-assertion'] ?? '');
      res.end();
    });
    const rogueGh = await startGatehouse({
      assertion: { issuer: 'https://gatehouse.test', keys: [{ file: rogue, kid: 'rogue' }] },
      routes: [
        {
          id: 'r',
          match: { host: 'orders.test' },
          upstream: spy.url,
          public: true,
          assertion: { audience: 'orders' },
        },
      ],
    });
    await (await request(`${rogueGh.url}/orders/1`, { headers: { host: 'orders.test' } })).body.text();
    await rogueGh.close();
    await spy.close();
    const r = await direct('/orders/1', token);
    assert.equal(r.status, 401);
    assert.match(r.body.error, /unknown-key|signature/);
  });

  it('rotates signing keys under load without one failed request', async () => {
    const failures: string[] = [];
    let stop = false;
    const loops = Array.from({ length: 4 }, async (_, n) => {
      for (let i = 0; i < 2000 && !stop; i++) {
        const r = await viaGatehouse(`/load/${n}/${i}`);
        if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
      }
    });
    const port = gh.gateway.adminPort;
    // publish b and sign with it at once (leadSeconds 0); then retire a
    writeFileSync(
      file,
      config(
        [
          { file: keyA, kid: 'a' },
          { file: keyB, kid: 'b' },
        ],
        port,
      ),
    );
    assert.equal((await gh.gateway.reload('api')).ok, true);
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(file, config([{ file: keyB, kid: 'b' }], port));
    assert.equal((await gh.gateway.reload('api')).ok, true);
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(failures.slice(0, 5), []);
    const jwks = (await (await request(`${gh.adminUrl}/.well-known/gatehouse/jwks.json`)).body.json()) as {
      keys: { kid: string }[];
    };
    assert.deepEqual(
      jwks.keys.map((k) => k.kid).sort(),
      ['a', 'b'],
      'the retired key stays published until its assertions expire',
    );
  });
});
