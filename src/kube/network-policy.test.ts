import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { type Config, ConfigSchema, loadConfigText } from '../config/index.ts';
import {
  isDns1123Label,
  isLabelKey,
  isLabelValue,
  isPortName,
  type NetworkPolicy,
  NetworkPolicyOptionError,
  networkPolicies,
  planNetworkPolicies,
} from './index.ts';

/** A valid config with these routes (each public, so the config loads). */
function config(routes: { id?: string; host?: string; upstream: unknown }[]): Config {
  const loaded = loadConfigText(
    stringify({
      listeners: [{ name: 'web', port: 8080 }],
      routes: routes.map((r, i) => ({
        ...(r.id ? { id: r.id } : {}),
        match: { host: r.host ?? `r${i}.example.com` },
        upstream: r.upstream,
        public: true,
      })),
    }),
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.config;
}

function assertLabels(labels: unknown, where: string): void {
  assert.ok(labels && typeof labels === 'object' && !Array.isArray(labels), `${where}: an object`);
  const entries = Object.entries(labels as Record<string, unknown>);
  assert.ok(entries.length > 0, `${where}: an empty selector would select everything`);
  for (const [k, v] of entries) {
    assert.ok(isLabelKey(k), `${where}: label key ${k}`);
    assert.ok(typeof v === 'string' && isLabelValue(v), `${where}: label value ${String(v)}`);
  }
}

/** What the Kubernetes API would check on a NetworkPolicy, plus this generator's own rules. */
function assertValidPolicy(p: NetworkPolicy): void {
  assert.equal(p.apiVersion, 'networking.k8s.io/v1');
  assert.equal(p.kind, 'NetworkPolicy');
  assert.ok(isDns1123Label(p.metadata.name), `name ${p.metadata.name} is a DNS-1123 label <= 63`);
  assert.ok(p.metadata.name.startsWith('gatehouse-only-'));
  assert.ok(isDns1123Label(p.metadata.namespace), `namespace ${p.metadata.namespace}`);
  assertLabels(p.metadata.labels, 'metadata.labels');
  assertLabels(p.spec.podSelector.matchLabels, 'spec.podSelector');
  assert.deepEqual(p.spec.policyTypes, ['Ingress']);
  assert.equal(p.spec.ingress.length, 1);
  const rule = p.spec.ingress[0];
  assert.equal(rule.from.length, 1);
  const peer = rule.from[0];
  // Both selectors in ONE peer: pods with these labels AND in that namespace.
  assert.deepEqual(Object.keys(peer).sort(), ['namespaceSelector', 'podSelector']);
  assertLabels(peer.namespaceSelector.matchLabels, 'namespaceSelector');
  assert.deepEqual(Object.keys(peer.namespaceSelector.matchLabels), ['kubernetes.io/metadata.name']);
  assertLabels(peer.podSelector.matchLabels, 'from.podSelector');
  assert.ok(rule.ports.length > 0, 'at least one port: no ports would mean all ports');
  for (const port of rule.ports) {
    assert.equal(port.protocol, 'TCP');
    if (typeof port.port === 'number') {
      assert.ok(Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535, `port ${port.port}`);
    } else {
      assert.ok(isPortName(port.port), `port name ${port.port}`);
    }
  }
}

describe('networkPolicies', () => {
  it('makes one policy per in-cluster upstream, in its namespace, admitting only Gatehouse pods', () => {
    const policies = networkPolicies(
      config([
        { upstream: 'http://orders.shop.svc.cluster.local:8080' },
        { upstream: 'https://grafana.monitoring.svc' },
      ]),
    );
    assert.equal(policies.length, 2);
    for (const p of policies) assertValidPolicy(p);
    const [grafana, orders] = policies;
    assert.equal(grafana?.metadata.name, 'gatehouse-only-grafana');
    assert.equal(grafana?.metadata.namespace, 'monitoring');
    assert.deepEqual(grafana?.spec.ingress[0].ports, [{ protocol: 'TCP', port: 443 }]);
    assert.equal(orders?.metadata.name, 'gatehouse-only-orders');
    assert.equal(orders?.metadata.namespace, 'shop');
    assert.deepEqual(orders?.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': 'orders' });
    assert.deepEqual(orders?.spec.ingress[0].from[0], {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gatehouse' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gatehouse' } },
    });
    assert.deepEqual(orders?.spec.ingress[0].ports, [{ protocol: 'TCP', port: 8080 }]);
  });

  it('gives routes sharing one upstream one policy, whatever spelling of the Service they use', () => {
    const plan = planNetworkPolicies(
      config([
        { id: 'a', upstream: 'http://orders.shop.svc.cluster.local:8080' },
        { id: 'b', upstream: { url: 'http://orders.shop.svc.cluster.local:8080', connections: 4 } },
        { id: 'c', upstream: 'http://orders.shop.svc:8080' },
        { id: 'd', upstream: 'http://orders.shop:9090' },
      ]),
    );
    assert.equal(plan.policies.length, 1);
    const only = plan.policies[0]!;
    assertValidPolicy(only.policy);
    assert.deepEqual(only.routes, ['a', 'b', 'c', 'd']);
    assert.deepEqual(
      only.policy.spec.ingress[0].ports.map((p) => p.port),
      [8080, 9090],
    );
    assert.equal(only.shortName, true);
  });

  it('skips IPs, external hosts and single labels, and says why', () => {
    const plan = planNetworkPolicies(
      config([
        { id: 'ip', upstream: 'http://10.0.0.7:8080' },
        { id: 'v6', upstream: 'http://[fd00::1]:8080' },
        { id: 'ext', upstream: 'https://api.partner.example.org' },
        { id: 'ext2', upstream: 'https://api.partner.example.org/v2' },
        { id: 'bare', upstream: 'http://backend:8080' },
        { id: 'other-domain', upstream: 'http://a.b.svc.other.local' },
        { id: 'ok', upstream: 'http://app.team-a.svc.cluster.local' },
      ]),
    );
    assert.deepEqual(
      plan.policies.map((p) => p.key),
      ['app.team-a'],
    );
    assert.deepEqual(plan.policies[0]?.policy.spec.ingress[0].ports, [{ protocol: 'TCP', port: 80 }]);
    const skipped = Object.fromEntries(plan.skipped.map((s) => [s.upstream, s]));
    assert.match(skipped['http://10.0.0.7:8080']!.reason, /IP address/);
    assert.match(skipped['http://[fd00::1]:8080']!.reason, /IP address/);
    assert.deepEqual(skipped['https://api.partner.example.org']!.routes, ['ext', 'ext2']);
    assert.match(skipped['http://backend:8080']!.reason, /namespace is unknown/);
    assert.match(skipped['http://a.b.svc.other.local']!.reason, /not a Service name/);
  });

  it('honours a custom cluster domain', () => {
    const policies = networkPolicies(config([{ upstream: 'http://a.b.svc.other.local' }]), {
      clusterDomain: 'other.local',
    });
    assert.equal(policies.length, 1);
    assert.equal(policies[0]?.metadata.namespace, 'b');
  });

  it('uses the Gatehouse namespace and pod labels given', () => {
    const [p] = networkPolicies(config([{ upstream: 'http://orders.shop.svc.cluster.local:8080' }]), {
      namespace: 'edge',
      podLabels: { app: 'gatehouse', 'example.com/tier': 'ingress' },
    });
    assertValidPolicy(p!);
    assert.deepEqual(p?.spec.ingress[0].from[0].namespaceSelector.matchLabels, {
      'kubernetes.io/metadata.name': 'edge',
    });
    assert.deepEqual(p?.spec.ingress[0].from[0].podSelector.matchLabels, {
      app: 'gatehouse',
      'example.com/tier': 'ingress',
    });
  });

  it('takes pod labels and target ports per upstream, and reports overrides that match nothing', () => {
    const plan = planNetworkPolicies(config([{ upstream: 'http://orders.shop.svc.cluster.local:80' }]), {
      upstreams: {
        'orders.shop': { podLabels: { app: 'orders-api' }, ports: [8080, 'metrics'] },
        'ordres.shop': { podLabels: { app: 'typo' } },
      },
    });
    const p = plan.policies[0]!;
    assertValidPolicy(p.policy);
    assert.deepEqual(p.policy.spec.podSelector.matchLabels, { app: 'orders-api' });
    assert.deepEqual(
      p.policy.spec.ingress[0].ports.map((x) => x.port),
      [8080, 'metrics'],
    );
    assert.equal(p.guessedPodLabels, false);
    assert.equal(p.portsFromUrls, false);
    assert.deepEqual(plan.unusedOverrides, ['ordres.shop']);
  });

  it('keeps long Service names within 63 characters, distinct and stable', () => {
    const long1 = `a${'x'.repeat(61)}1`;
    const long2 = `a${'x'.repeat(61)}2`;
    const policies = networkPolicies(
      config([
        { upstream: `http://${long1}.ns.svc.cluster.local` },
        { upstream: `http://${long2}.ns.svc.cluster.local` },
      ]),
    );
    for (const p of policies) assertValidPolicy(p);
    const names = policies.map((p) => p.metadata.name);
    assert.equal(new Set(names).size, 2);
    assert.ok(names.every((n) => n.length <= 63));
    assert.deepEqual(
      networkPolicies(config([{ upstream: `http://${long1}.ns.svc.cluster.local` }])).map(
        (p) => p.metadata.name,
      ),
      [names[0]],
    );
  });

  it('makes nothing for routes without upstreams or only external ones', () => {
    // The schema allows a route without upstream (semantic checks decide what it means).
    const noUpstream = ConfigSchema.parse({
      listeners: [{ name: 'web', port: 8080 }],
      routes: [{ match: { host: 'static.example.com' }, public: true }],
    });
    assert.deepEqual(planNetworkPolicies(noUpstream), { policies: [], skipped: [], unusedOverrides: [] });
    const plan = planNetworkPolicies(
      config([{ upstream: 'https://api.partner.example.org' }, { upstream: 'http://1.2.3.4' }]),
    );
    assert.deepEqual(plan.policies, []);
    assert.equal(plan.skipped.length, 2);
  });

  it('refuses options Kubernetes would refuse', () => {
    const c = config([{ upstream: 'http://orders.shop.svc.cluster.local' }]);
    const bad: Parameters<typeof networkPolicies>[1][] = [
      { namespace: 'Edge' },
      { namespace: 'x'.repeat(64) },
      { podLabels: {} },
      { podLabels: { 'bad key!': 'x' } },
      { podLabels: { app: 'a value with spaces' } },
      { upstreams: { 'orders.shop': { podLabels: {} } } },
      { upstreams: { 'orders.shop': { ports: [0] } } },
      { upstreams: { 'orders.shop': { ports: [70000] } } },
      { upstreams: { 'orders.shop': { ports: ['Not_A_Name'] } } },
    ];
    for (const options of bad) {
      assert.throws(() => networkPolicies(c, options), NetworkPolicyOptionError, JSON.stringify(options));
    }
  });
});
