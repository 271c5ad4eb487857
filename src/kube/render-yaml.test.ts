import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { type Config, ConfigSchema } from '../config/index.ts';
import { planNetworkPolicies, renderNetworkPoliciesYaml } from './index.ts';

function config(upstreams: string[]): Config {
  return ConfigSchema.parse({
    listeners: [{ name: 'web', port: 8080 }],
    routes: upstreams.map((upstream, i) => ({
      id: `r${i}`,
      match: { host: `r${i}.test` },
      upstream,
      public: true,
    })),
  });
}

describe('renderNetworkPoliciesYaml', () => {
  it('prints one YAML document per policy that parses back to the same objects', () => {
    const plan = planNetworkPolicies(
      config([
        'http://orders.shop.svc.cluster.local:8080',
        'http://grafana.monitoring.svc:3000',
        'http://10.0.0.1',
      ]),
    );
    const text = renderNetworkPoliciesYaml(plan);
    const docs = parseAllDocuments(text);
    assert.ok(Array.isArray(docs));
    assert.equal(docs.length, 2);
    for (const d of docs) assert.deepEqual(d.errors, []);
    assert.deepEqual(
      docs.map((d) => d.toJS()),
      plan.policies.map((p) => p.policy),
    );
  });

  it('says in comments what was guessed and what was skipped', () => {
    const plan = planNetworkPolicies(
      config(['http://orders.shop.svc.cluster.local:8080', 'http://10.0.0.1']),
    );
    const text = renderNetworkPoliciesYaml(plan);
    assert.match(text, /^# skipped http:\/\/10\.0\.0\.1 \(routes: r1\): an IP address/m);
    assert.match(text, /^# podSelector is a guess/m);
    assert.match(text, /kubectl -n shop get service orders/);
    assert.match(text, /--upstream-label orders\.shop:KEY=VALUE/);
    assert.match(text, /--upstream-port orders\.shop=TARGET/);
    const explicit = planNetworkPolicies(config(['http://orders.shop.svc.cluster.local:8080']), {
      upstreams: { 'orders.shop': { podLabels: { app: 'orders' }, ports: [8080] } },
    });
    const quiet = renderNetworkPoliciesYaml(explicit);
    assert.doesNotMatch(quiet, /podSelector is a guess/);
    assert.doesNotMatch(quiet, /--upstream-port/);
  });

  it('prints only comments when there is nothing to protect', () => {
    const text = renderNetworkPoliciesYaml(planNetworkPolicies(config(['http://10.0.0.1'])));
    assert.match(text, /nothing to generate/);
    for (const line of text.trimEnd().split('\n')) assert.match(line, /^#/);
    assert.deepEqual(
      parseAllDocuments(text)
        .filter((d) => d.contents !== null)
        .map((d) => d.toJS()),
      [],
    );
  });
});
