import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { main } from './main.ts';
import { runManifests } from './manifests.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-manifests-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : stringify(body));
  return file;
}

const good = configFile('good.yaml', {
  listeners: [{ name: 'web', port: 8080 }],
  routes: [
    {
      id: 'orders',
      match: { host: 'orders.test' },
      upstream: 'http://orders.shop.svc.cluster.local:8080',
      public: true,
    },
    { id: 'legacy', match: { host: 'legacy.test' }, upstream: 'http://10.0.0.7', public: true },
  ],
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runManifests(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('gatehouse manifests networkpolicy', () => {
  it('prints policies on stdout and warnings on stderr', async () => {
    const r = await run([
      'networkpolicy',
      '-c',
      good,
      '--namespace',
      'edge',
      '--pod-label',
      'app=gatehouse',
      '--pod-label',
      'tier=ingress',
      '--upstream-label',
      'orders.shop:app.kubernetes.io/name=orders-api',
      '--upstream-port',
      'orders.shop=http',
    ]);
    assert.equal(r.code, 0, r.err);
    const docs = parseAllDocuments(r.out);
    assert.ok(Array.isArray(docs));
    const [policy] = docs.map((d) => d.toJS());
    assert.equal(docs.length, 1);
    assert.equal(policy.metadata.namespace, 'shop');
    assert.deepEqual(policy.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': 'orders-api' });
    assert.deepEqual(policy.spec.ingress[0].from[0], {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } },
      podSelector: { matchLabels: { app: 'gatehouse', tier: 'ingress' } },
    });
    assert.deepEqual(policy.spec.ingress[0].ports, [{ protocol: 'TCP', port: 'http' }]);
    assert.match(r.err, /warning: skipped upstream http:\/\/10\.0\.0\.7: an IP address/);
  });

  it('is reachable from the main entry point', async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    const originalErr = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['manifests', 'networkpolicy', '-c', good]);
    } finally {
      process.stdout.write = original;
      process.stderr.write = originalErr;
    }
    assert.equal(code, 0);
    assert.match(writes.join(''), /name: gatehouse-only-orders/);
  });

  it('exits 2 on usage errors and invalid flags', async () => {
    assert.equal((await run(['networkpolicy'])).code, 2);
    assert.equal((await run(['deployment', '-c', good])).code, 2);
    assert.equal((await run(['networkpolicy', '-c', good, '--bogus'])).code, 2);
    assert.equal((await run(['networkpolicy', '-c', good, '--pod-label', 'novalue'])).code, 2);
    assert.equal((await run(['networkpolicy', '-c', good, '--upstream-label', 'app=x'])).code, 2);
    const badNs = await run(['networkpolicy', '-c', good, '--namespace', 'Not_Valid']);
    assert.equal(badNs.code, 2);
    assert.match(badNs.err, /invalid namespace/);
    assert.equal(badNs.out, '');
  });

  it('exits 1 with the config problems for an invalid config', async () => {
    const bad = configFile('bad.yaml', {
      listeners: [],
      routes: [{ match: { host: 'x' }, upstrem: 'http://a.b' }],
    });
    const r = await run(['networkpolicy', '-c', bad]);
    assert.equal(r.code, 1);
    assert.match(r.err, /\/listeners/);
    assert.equal(r.out, '');
  });

  it('warns about per-upstream flags that match no upstream', async () => {
    const r = await run(['networkpolicy', '-c', good, '--upstream-port', 'ordres.shop=8080']);
    assert.equal(r.code, 0);
    assert.match(r.err, /ordres\.shop matches no upstream/);
  });
});
