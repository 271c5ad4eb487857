import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from './load.ts';

const BASE = `listeners: [{ name: web, port: 0 }]
routes:
  - id: deploy
    match: { host: app.test, path: /deploy }
    upstream: http://127.0.0.1:9
    policy: { allow: [{ id: ci, any: [{ kubernetes: { namespace: [ci] } }, { subject: bot }] }] }
`;
const BUNDLE = '/etc/gatehouse/prod.pem';

function warningsOf(text: string) {
  const r = loadConfigText(text);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  return r.warnings.filter((w) => w.code === 'kubernetes-rule-without-source');
}

describe('config: a kubernetes rule needs a source of Kubernetes identities', () => {
  it('warns, pointing at the rule, when no issuer or trust domain names service accounts', () => {
    const mtlsOnly = `${BASE}identity: { mtls: { trustDomains: [{ name: prod.test, bundleFile: ${BUNDLE} }] } }\n`;
    const w = warningsOf(mtlsOnly);
    assert.equal(w.length, 1);
    assert.equal(w[0]!.pointer, '/routes/0/policy/allow/0/any/0/kubernetes');
  });

  it('is quiet once a trust domain or a JWT issuer names them, or when no rule uses them', () => {
    const domain = `${BASE}identity: { mtls: { trustDomains: [{ name: prod.test, bundleFile: ${BUNDLE}, kubernetes: true }] } }\n`;
    assert.deepEqual(warningsOf(domain), []);
    const issuer = `${BASE}identity:
  jwt:
    - name: cluster
      issuer: https://kubernetes.default.svc
      jwksFile: /etc/gatehouse/jwks.json
      audiences: [gatehouse]
      kubernetes: true
`;
    assert.deepEqual(warningsOf(issuer), []);
    assert.deepEqual(warningsOf(BASE.replace('kubernetes: { namespace: [ci] }', 'subject: ci')), []);
  });
});
