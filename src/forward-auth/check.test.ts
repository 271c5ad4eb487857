import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../config/index.ts';
import { buildEngine, type RoutePolicy } from '../decision/index.ts';
import type { Authenticator } from '../identity/index.ts';
import type { Principal } from '../model/index.ts';
import type { OriginalRequest } from './adapter.ts';
import type { Propagate } from './answer.ts';
import { type Checked, check } from './check.ts';
import { checkResponse } from './ext-authz/check-response.ts';
import type { CheckContext } from './original-request.ts';
import { forwardAuthRuntime } from './runtime.ts';

const CONFIG = `listeners: [{ name: web, port: 0 }]
forwardAuth:
  trustedProxies: [127.0.0.1]
  responseHeaders: { X-Auth-Request-Email: email, X-Tenant: "claim:tenant", X-Roles: "claim:roles" }
routes:
  - { id: pub, match: { host: app.test, path: /pub }, public: true }
  - { id: pol, match: { host: app.test, path: / }, policy: { allow: [] } }
  - { id: aud, match: { host: app.test, path: /aud }, policy: { allow: [] }, mode: audit }
`;

const alice: Principal = Object.freeze({
  kind: 'user',
  subject: 'alice',
  issuer: 'https://idp.test',
  method: 'jwt',
  groups: [],
  claims: { tenant: 't1', roles: ['a', 'b'], bad: 'line\nbreak' },
  email: 'alice@example.com',
  source: 'idp',
});

function runtime(authenticators: Authenticator[], policy: RoutePolicy) {
  const loaded = loadConfigText(CONFIG);
  assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.problems));
  const built = buildEngine(loaded.config, 1, {
    compilePolicy: () => ({ policy, problems: [] }),
    buildAuthenticators: () => ({ authenticators, problems: [] }),
  });
  assert.ok(built.ok);
  const rt = forwardAuthRuntime(built.engine);
  assert.ok(rt);
  return rt;
}

const CONTEXT: CheckContext = {
  id: 'req-1',
  peerAddress: '127.0.0.1',
  clientAddress: '203.0.113.1',
  listener: 'web',
  defaultScheme: 'http',
  mergeSlashes: true,
  allowSemicolons: false,
};

const allowWithPrincipal: RoutePolicy = {
  evaluate: ({ principal }) =>
    principal
      ? { outcome: 'allow', reasons: ['rule-matched'] }
      : { outcome: 'deny', reasons: ['no-rule-matched'] },
};
const knowsAlice: Authenticator = {
  name: 'a',
  authenticate: () => ({ status: 'authenticated', principal: alice }),
};
const propagate: Propagate = () => ['X-Gatehouse-Assertion', 'signed'];

async function run(
  rt: ReturnType<typeof runtime>,
  original: Partial<OriginalRequest> = {},
  options: { headers?: Record<string, string>; propagate?: Propagate; signIn?: 401 | 302 } = {},
): Promise<Checked> {
  return check({
    rt,
    original: { method: 'GET', authority: 'app.test', target: '/x', scheme: 'https', ...original },
    headers: options.headers ?? {},
    context: CONTEXT,
    browserSignIn: options.signIn ?? 302,
    propagate: options.propagate ?? propagate,
    nowSeconds: 1_750_000_000,
  });
}

describe('check(): one decision per forward-auth / ext_authz check', () => {
  it('allow: identity headers (lower-case), extra response headers from the principal, the request id', async () => {
    const c = await run(runtime([knowsAlice], allowWithPrincipal));
    assert.equal(c.answer.status, 200);
    assert.deepEqual(c.answer.headers, [
      'x-gatehouse-assertion',
      'signed',
      'x-auth-request-email',
      'alice@example.com',
      'x-tenant',
      't1',
      'x-roles',
      'a,b',
      'x-request-id',
      'req-1',
    ]);
    assert.equal(c.info.clientAddress, '203.0.113.1');
    assert.equal(c.info.port, 443);
  });

  it('an async authenticator gives a promise that still answers', async () => {
    const slow: Authenticator = {
      name: 's',
      authenticate: () => Promise.resolve({ status: 'authenticated', principal: alice }),
    };
    const pending = run(runtime([slow], allowWithPrincipal));
    assert.equal((await pending).answer.status, 200);
  });

  it('fail closed: a throwing propagate is a 500 internal-error deny, 403 over ext_authz', async () => {
    const c = await run(
      runtime([knowsAlice], allowWithPrincipal),
      {},
      {
        propagate: () => {
          throw new Error('signer down');
        },
      },
    );
    assert.equal(c.answer.allow, false);
    assert.equal(c.answer.status, 500);
    assert.deepEqual(c.answer.decision.reasons, ['internal-error']);
    const grpc = checkResponse(c.answer, []);
    assert.equal(grpc.status.code, 7);
    assert.equal(grpc.denied_response?.status.code, 403);
    assert.ok(
      grpc.denied_response?.headers.some(
        (h) => h.header.key === 'x-gatehouse-reason' && h.header.value === 'internal-error',
      ),
    );
  });

  it('fail closed: a throwing or rejecting authenticator, and a throwing policy', async () => {
    const throwing: Authenticator = {
      name: 't',
      authenticate() {
        throw new Error('x');
      },
    };
    const rejecting: Authenticator = { name: 'r', authenticate: () => Promise.reject(new Error('y')) };
    const badPolicy: RoutePolicy = {
      evaluate() {
        throw new Error('z');
      },
    };
    for (const rt of [
      runtime([throwing], allowWithPrincipal),
      runtime([rejecting], allowWithPrincipal),
      runtime([], badPolicy),
    ]) {
      const c = await run(rt, { target: '/aud/x' });
      assert.equal(c.answer.status, 500, 'even on an audit-mode route');
      assert.deepEqual(c.answer.decision.reasons, ['internal-error']);
    }
  });

  it('audit mode: a would-deny is let through with identity headers', async () => {
    const c = await run(runtime([], allowWithPrincipal), { target: '/aud/x' });
    assert.equal(c.answer.status, 200);
    assert.equal(c.answer.decision.outcome, 'deny');
  });

  it('a challenge (step-up) signs a browser in again with what the policy asks', async () => {
    const stepUp: RoutePolicy = {
      evaluate: () => ({
        outcome: 'challenge',
        reasons: ['auth-too-old'],
        challenge: { maxAgeSeconds: 60, acr: ['mfa'] },
      }),
    };
    const rt = runtime([knowsAlice], stepUp);
    const nginx = await run(rt, {}, { headers: { accept: 'text/html' }, signIn: 401 });
    assert.equal(nginx.answer.status, 401);
    const loc = new URL(headerOf(nginx, 'location')!);
    assert.equal(loc.searchParams.get('max_age'), '60');
    assert.equal(loc.searchParams.get('acr_values'), 'mfa');
    const traefik = await run(rt, {}, { headers: { accept: 'text/html' }, signIn: 302 });
    assert.equal(traefik.answer.status, 302);
    const api = await run(rt, {}, { headers: { accept: 'application/json' } });
    assert.equal(api.answer.status, 401);
    assert.equal(headerOf(api, 'location'), undefined);
    assert.equal(
      headerOf(api, 'www-authenticate'),
      'Bearer realm="gatehouse", error="insufficient_user_authentication", error_description="auth-too-old", acr_values="mfa", max_age=60',
    );
  });

  it('a browser with a bad bearer token is a program: 401, no sign-in redirect', async () => {
    const bad: Authenticator = {
      name: 'jwt',
      authenticate: () => ({ status: 'denied', reason: 'token-expired' }),
    };
    const c = await run(runtime([bad], allowWithPrincipal), {}, { headers: { accept: 'text/html' } });
    assert.equal(c.answer.status, 401);
    assert.equal(headerOf(c, 'location'), undefined);
    assert.match(headerOf(c, 'www-authenticate') ?? '', /invalid_token/);
  });

  it('no route and a malformed original request are 403, never 404 / 400', async () => {
    const rt = runtime([], allowWithPrincipal);
    const other = await run(rt, { authority: 'other.test' });
    assert.equal(other.answer.status, 403);
    assert.deepEqual(other.answer.decision.reasons, ['route-not-found']);
    for (const bad of [
      { target: '/a/..%2f' },
      { target: 'x' },
      { method: 'get' },
      { scheme: 'ftp' },
      { authority: 'a_b' },
    ]) {
      const c = await run(rt, bad);
      assert.equal(c.answer.status, 403, JSON.stringify(bad));
      assert.deepEqual(c.answer.decision.reasons, ['request-invalid'], JSON.stringify(bad));
    }
  });

  it('the record of a refused method keeps it only when it looks like a method', async () => {
    const rt = runtime([], allowWithPrincipal);
    for (const [method, recorded] of [
      ['get', 'get'],
      ['NOTAMETHOD', 'NOTAMETHOD'],
      ['G E T', 'INVALID'],
      ['X'.repeat(33), 'INVALID'],
      ['GET\u00e9', 'INVALID'],
    ] as const) {
      const c = await run(rt, { method });
      assert.deepEqual(c.answer.decision.reasons, ['request-invalid'], method);
      assert.equal(c.info.method, recorded, method);
    }
  });
});

function headerOf(c: Checked, name: string): string | undefined {
  const h = c.answer.headers;
  for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
  return undefined;
}
