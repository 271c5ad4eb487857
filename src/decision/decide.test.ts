import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../config/index.ts';
import type { Authenticator, AuthnResult } from '../identity/authenticator.ts';
import type { Principal, RequestInfo } from '../model/index.ts';
import { decide, letsThrough, type Verdict } from './decide.ts';
import { buildEngine, type EngineParts } from './engine.ts';
import type { RoutePolicy } from './route.ts';
import { statusFor } from './status.ts';

const principal: Principal = Object.freeze({
  kind: 'workload',
  subject: 'system:serviceaccount:ci:deployer',
  issuer: 'https://k8s.example',
  method: 'jwt',
  groups: [],
  claims: {},
  source: 'cluster',
});

function request(path: string, host = 'app.example.com'): RequestInfo {
  return {
    id: 'r1',
    method: 'GET',
    scheme: 'https',
    host,
    port: 443,
    path,
    query: '',
    headers: {},
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'web',
  };
}

const config = `listeners: [{ name: web, port: 0 }]
policies:
  p: { allow: [] }
routes:
  - { id: pub, match: { host: app.example.com, path: /pub }, upstream: "http://127.0.0.1:1", public: true }
  - { id: closed, match: { host: app.example.com, path: / }, upstream: "http://127.0.0.1:1" }
  - { id: pol, match: { host: app.example.com, path: /pol }, upstream: "http://127.0.0.1:1", policy: p }
  - { id: aud, match: { host: app.example.com, path: /aud }, upstream: "http://127.0.0.1:1", policy: p, mode: audit }
`;

function engineWith(authenticators: Authenticator[], policy: RoutePolicy) {
  const loaded = loadConfigText(config);
  assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.problems));
  const parts: EngineParts = {
    compilePolicy: () => ({ policy, problems: [] }),
    buildAuthenticators: () => ({ authenticators, problems: [] }),
  };
  const built = buildEngine(loaded.config, 1, parts);
  assert.ok(built.ok);
  return built.engine;
}

const allowIfPrincipal: RoutePolicy = {
  evaluate: ({ principal: p }) =>
    p
      ? { outcome: 'allow', reasons: ['rule-matched'], ruleId: 'r' }
      : { outcome: 'deny', reasons: ['no-rule-matched'] },
};

function auth(name: string, result: AuthnResult, async = false): Authenticator & { calls: number } {
  const a = {
    name,
    calls: 0,
    authenticate() {
      a.calls++;
      return async ? Promise.resolve(result) : result;
    },
  };
  return a;
}

async function run(v: Verdict | Promise<Verdict>) {
  return v instanceof Promise ? await v : v;
}

describe('decide()', () => {
  it('no route: deny route-not-found (404), synchronously', () => {
    const e = engineWith([], allowIfPrincipal);
    const v = decide(e, request('/', 'other.test'), 0);
    assert.ok(!(v instanceof Promise));
    assert.deepEqual(v.decision.reasons, ['route-not-found']);
    assert.equal(statusFor(v.decision), 404);
  });

  it('public route: allow without asking any authenticator', () => {
    const a = auth('a', { status: 'denied', reason: 'token-expired' });
    const v = decide(engineWith([a], allowIfPrincipal), request('/pub/x'), 0) as Verdict;
    assert.equal(v.decision.outcome, 'allow');
    assert.equal(a.calls, 0);
  });

  it('a route with neither public nor policy denies (route-denied, 403)', async () => {
    const v = await run(decide(engineWith([], allowIfPrincipal), request('/x'), 0));
    assert.deepEqual(v.decision.reasons, ['route-denied']);
    assert.equal(statusFor(v.decision), 403);
  });

  it('not-mine passes to the next authenticator; the first answer wins', async () => {
    const a = auth('a', { status: 'not-mine' });
    const b = auth('b', { status: 'authenticated', principal }, true);
    const c = auth('c', { status: 'denied', reason: 'token-expired' });
    const v = await run(decide(engineWith([a, b, c], allowIfPrincipal), request('/pol'), 0));
    assert.equal(v.decision.outcome, 'allow');
    assert.equal(v.decision.principal, principal);
    assert.equal(c.calls, 0);
  });

  it('a bad credential stops the chain and denies with its reason (401)', async () => {
    const a = auth('a', { status: 'denied', reason: 'token-expired' });
    const b = auth('b', { status: 'authenticated', principal });
    const v = await run(decide(engineWith([a, b], allowIfPrincipal), request('/pol'), 0));
    assert.deepEqual(v.decision.reasons, ['token-expired']);
    assert.equal(statusFor(v.decision), 401);
    assert.equal(b.calls, 0);
  });

  it('an authenticator that throws or rejects becomes internal-error (fail closed)', async () => {
    const boom: Authenticator = {
      name: 'boom',
      authenticate() {
        throw new Error('kaboom');
      },
    };
    const v1 = await run(decide(engineWith([boom], allowIfPrincipal), request('/pol'), 0));
    assert.deepEqual(v1.decision.reasons, ['internal-error']);
    assert.equal(statusFor(v1.decision), 500);
    const rejects: Authenticator = { name: 'r', authenticate: () => Promise.reject(new Error('x')) };
    const v2 = await run(decide(engineWith([rejects], allowIfPrincipal), request('/pol'), 0));
    assert.deepEqual(v2.decision.reasons, ['internal-error']);
  });

  it('a policy that throws becomes internal-error, even on an audit-mode route', async () => {
    const throwing: RoutePolicy = {
      evaluate() {
        throw new Error('bad');
      },
    };
    const v = await run(decide(engineWith([], throwing), request('/aud'), 0));
    assert.deepEqual(v.decision.reasons, ['internal-error']);
    assert.equal(letsThrough(v.decision), false);
  });

  it('audit mode: a deny is recorded but let through', async () => {
    const v = await run(decide(engineWith([], allowIfPrincipal), request('/aud'), 0));
    assert.equal(v.decision.outcome, 'deny');
    assert.equal(v.decision.mode, 'audit');
    assert.equal(letsThrough(v.decision), true);
  });
});

describe('assertion audience defaults', () => {
  it('is the upstream origin, or the exact host of a route without an upstream', () => {
    const loaded = loadConfigText(`listeners: [{ name: web, port: 0 }]
forwardAuth: { trustedProxies: [127.0.0.1/32] }
routes:
  - { id: a, match: { host: a.example.com }, upstream: "http://svc.ns.svc.cluster.local:8080/", public: true }
  - { id: b, match: { host: B.example.com. }, public: true }
  - { id: c, match: { host: "*.example.com" }, public: true }
  - { id: d, match: { host: d.example.com }, public: true, assertion: { audience: custom } }
`);
    assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.problems));
    const built = buildEngine(loaded.config, 1);
    assert.ok(built.ok);
    const aud = Object.fromEntries(built.engine.routes.map((r) => [r.id, r.assertion.audience]));
    assert.deepEqual(aud, {
      a: 'http://svc.ns.svc.cluster.local:8080',
      b: 'b.example.com',
      c: 'gatehouse',
      d: 'custom',
    });
  });
});
