import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { stringify } from 'yaml';
import {
  type RunningGatehouse,
  startEchoUpstream,
  startGatehouse,
  type Upstream,
} from './helpers/servers.ts';

describe('policy through the running proxy: audit mode and reload', () => {
  let up: Upstream;
  let gh: RunningGatehouse;
  const dir = mkdtempSync(join(tmpdir(), 'gh-policy-proxy-'));
  const auditFile = join(dir, 'audit.log');
  const configFile = join(dir, 'gatehouse.yaml');
  const config = (adminPolicy: Record<string, unknown>) => ({
    listeners: [{ name: 'web', port: 0 }],
    admin: { port: 0 },
    audit: { output: { file: auditFile } },
    routes: [
      {
        id: 'legacy',
        match: { host: 'legacy.test' },
        upstream: up.url,
        mode: 'audit',
        policy: { allow: [{ id: 'only-sre', groups: { anyOf: ['sre'] } }] },
      },
      { id: 'admin', match: { host: 'admin.test' }, upstream: up.url, policy: adminPolicy },
    ],
  });

  before(async () => {
    up = await startEchoUpstream();
    writeFileSync(configFile, stringify(config({ allow: [{ id: 'nobody', groups: { anyOf: ['none'] } }] })));
    gh = await startGatehouse({}, { configFile });
  });
  after(async () => {
    await gh.close();
    await up.close();
  });

  const get = async (host: string) => {
    const r = await request(`${gh.url}/x`, { headers: { host, accept: 'application/json' } });
    return { status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> };
  };

  it('audit mode lets a denied request through, logs would-deny and counts it per route', async () => {
    const r = await get('legacy.test');
    assert.equal(r.status, 200);
    assert.equal(r.body.url, '/x', 'the upstream was reached');
    await gh.close();
    const lines = readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const line = lines.find((l) => l.route === 'legacy');
    assert.equal(line.decision, 'would-deny');
    assert.equal(line.mode, 'audit');
    assert.equal(line.status, 200);
    assert.deepEqual(line.reasons, ['no-rule-matched', 'user-unauthenticated']);
    gh = await startGatehouse({}, { configFile });
    await get('legacy.test');
    const metrics = await (await request(`${gh.adminUrl}/metrics`)).body.text();
    assert.match(
      metrics,
      /gatehouse_requests_total\{route="legacy",decision="would-deny",reason="no-rule-matched",via="proxy"\} 1/,
    );
  });

  it('applies a reloaded policy to the very next request', async () => {
    assert.equal((await get('admin.test')).status, 401);
    writeFileSync(configFile, stringify(config({ allow: [{ id: 'everyone', authenticated: false }] })));
    const result = await gh.gateway.reload('api');
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.equal((await get('admin.test')).status, 200);
  });

  it('rejects a policy that does not compile on reload and keeps the old one serving', async () => {
    writeFileSync(configFile, stringify(config({ allow: [{ when: 'principal.nope == 1' }] })));
    const result = await gh.gateway.reload('api');
    assert.equal(result.ok, false);
    assert.match(
      result.problems.map((p) => `${p.pointer}: ${p.message}`).join('\n'),
      /\/routes\/1\/policy\/allow\/0\/when: CEL/,
    );
    assert.equal((await get('admin.test')).status, 200);
  });
});
