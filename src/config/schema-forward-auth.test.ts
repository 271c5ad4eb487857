import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from './load.ts';

const BASE = 'listeners: [{ name: web, port: 0 }, { name: auth, port: 0 }]\n';
const CHECK_ONLY_ROUTE = 'routes: [{ id: app, match: { host: app.test }, public: true }]\n';

describe('config: forwardAuth', () => {
  it('a route without upstream is an error, unless forwardAuth makes it a check-only route', () => {
    const without = loadConfigText(BASE + CHECK_ONLY_ROUTE);
    assert.equal(without.ok, false);
    if (!without.ok) assert.ok(without.problems.some((p) => p.pointer === '/routes/0/upstream'));
    const withFa = loadConfigText(
      `${BASE}${CHECK_ONLY_ROUTE}forwardAuth: { trustedProxies: [10.0.0.0/8] }\n`,
    );
    assert.ok(withFa.ok, withFa.ok ? '' : JSON.stringify(withFa.problems));
    assert.equal(withFa.config.forwardAuth?.signInUrl, '/.gatehouse/login');
    assert.equal(withFa.config.forwardAuth?.envoyPathPrefix, '/.gatehouse/ext-authz');
  });

  it('trustedProxies is required and non-empty', () => {
    for (const fa of ['forwardAuth: {}', 'forwardAuth: { trustedProxies: [] }']) {
      const r = loadConfigText(`${BASE}${fa}\n`);
      assert.equal(r.ok, false, fa);
      if (!r.ok)
        assert.ok(
          r.problems.some((p) => p.pointer === '/forwardAuth/trustedProxies'),
          fa,
        );
    }
  });

  it('the dedicated listener must exist; shapes are checked', () => {
    const r = loadConfigText(`${BASE}forwardAuth: { trustedProxies: [10.0.0.1], listener: nope }\n`);
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(r.problems.some((p) => p.pointer === '/forwardAuth/listener'));
    const bad = loadConfigText(
      `${BASE}forwardAuth: { trustedProxies: [10.0.0.1], signInUrl: "javascript:x", envoyPathPrefix: "/a/", responseHeaders: { X-A: password } }\n`,
    );
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      const pointers = bad.problems.map((p) => p.pointer);
      for (const p of [
        '/forwardAuth/signInUrl',
        '/forwardAuth/envoyPathPrefix',
        '/forwardAuth/responseHeaders/X-A',
      ])
        assert.ok(pointers.includes(p), `${p} in ${pointers.join(', ')}`);
    }
  });

  it('trusting the source principal without mTLS to the gRPC server is a warning', () => {
    const r = loadConfigText(
      `${BASE}forwardAuth: { trustedProxies: [10.0.0.1], grpc: { port: 0, trustSourcePrincipal: true } }\n`,
    );
    assert.ok(r.ok);
    assert.ok(r.warnings.some((w) => w.code === 'ext-authz-principal-unverified-caller'));
  });
});
