import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../../model/index.ts';
import {
  authn,
  claimsFor,
  type Harness,
  issuerSettings,
  NOW,
  outcome,
  requestWith,
  sign,
  startHarness,
} from './fixtures.ts';
import { createJwtAuthenticator } from './jwt-authenticator.ts';

function principalOf(result: Awaited<ReturnType<typeof authn>>): Principal {
  assert.equal(result.status, 'authenticated', JSON.stringify(result));
  return (result as { principal: Principal }).principal;
}

describe('JWT authenticator: credentials it reads', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('is not-mine without an Authorization header or with another scheme', async () => {
    assert.equal((await h.auth.authenticate(requestWith(), NOW)).status, 'not-mine');
    assert.equal((await h.auth.authenticate(requestWith('Basic dXNlcjpwdw=='), NOW)).status, 'not-mine');
  });

  it('never reads a token from the query string or a cookie', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer));
    const request = {
      ...requestWith(undefined, { cookie: `access_token=${token}` }),
      query: `access_token=${token}`,
    };
    assert.equal((await h.auth.authenticate(request, NOW)).status, 'not-mine');
  });

  it('accepts the Bearer scheme in any case', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer));
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.equal(
        outcome(await h.auth.authenticate(requestWith(`${scheme} ${token}`), NOW)),
        'authenticated',
      );
    }
  });

  it('denies several Authorization values as ambiguous', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer));
    const result = await h.auth.authenticate(requestWith([`Bearer ${token}`, `Bearer ${token}`]), NOW);
    assert.equal(outcome(result), 'credential-ambiguous');
  });

  it('denies a Bearer header without a token as malformed', async () => {
    assert.equal(outcome(await h.auth.authenticate(requestWith('Bearer'), NOW)), 'token-malformed');
  });

  it('denies a token of an issuer that is not configured (no other authenticator reads bearer tokens)', async () => {
    const token = await sign(h.keys.RS256!, claimsFor('https://other.example.com'));
    assert.equal(outcome(await authn(h.auth, token)), 'token-issuer-unknown');
    const noIss = await sign(h.keys.RS256!, claimsFor(h.issuer), { omit: ['iss'] });
    assert.equal(outcome(await authn(h.auth, noIss)), 'token-issuer-unknown');
  });

  it('denies bearer tokens when no issuer is configured at all', async () => {
    const auth = createJwtAuthenticator([]);
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer));
    assert.equal(outcome(await authn(auth, token)), 'token-issuer-unknown');
  });
});

describe('JWT authenticator: algorithms', () => {
  const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
  let h: Harness;
  before(async () => {
    h = await startHarness({ algorithms });
  });
  after(() => h.close());

  for (const alg of algorithms) {
    it(`verifies ${alg}`, async () => {
      const token = await sign(h.keys[alg]!, claimsFor(h.issuer, { jti: alg }));
      assert.equal(outcome(await authn(h.auth, token)), 'authenticated');
    });
  }

  it('refuses an algorithm the issuer does not list even with a valid signature', async () => {
    const only = await startHarness({ algorithms: ['RS256', 'ES256'], settings: { algorithms: ['ES256'] } });
    try {
      const token = await sign(only.keys.RS256!, claimsFor(only.issuer));
      assert.equal(outcome(await authn(only.auth, token)), 'token-alg-not-allowed');
      assert.equal(only.server.hits.get('/jwks'), undefined, 'decided before fetching keys');
    } finally {
      await only.close();
    }
  });
});

describe('JWT authenticator: principal', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ algorithms: ['ES256'] });
  });
  after(() => h.close());

  it('builds a frozen workload principal from the verified claims', async () => {
    const claims = claimsFor(h.issuer, {
      groups: ['deploy', 42, 'read'],
      email: 'ci@example.com',
      acr: 'urn:mace:incommon:iap:silver',
      amr: ['pwd', 'mfa'],
      auth_time: NOW - 100,
    });
    const token = await sign(h.keys.ES256!, claims);
    const p = principalOf(await authn(h.auth, token));
    assert.equal(p.kind, 'workload');
    assert.equal(p.subject, 'workload-a');
    assert.equal(p.issuer, h.issuer);
    assert.equal(p.method, 'jwt');
    assert.equal(p.source, 'test');
    assert.deepEqual(p.groups, ['deploy', 'read']);
    assert.equal(p.email, 'ci@example.com');
    assert.equal(p.authTime, NOW - 100);
    assert.equal(p.expiresAt, NOW + 600);
    assert.equal(p.acr, 'urn:mace:incommon:iap:silver');
    assert.deepEqual(p.amr, ['pwd', 'mfa']);
    assert.equal(p.claims.sub, 'workload-a');
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.groups) && Object.isFrozen(p.claims));
    assert.ok(Object.isFrozen(p.claims.groups));
    assert.equal(p.spiffe, undefined);
    assert.equal(p.kubernetes, undefined);
  });

  it('carries no raw credential', async () => {
    const token = await sign(h.keys.ES256!, claimsFor(h.issuer, { jti: 'no-raw' }));
    const text = JSON.stringify(principalOf(await authn(h.auth, token)));
    assert.ok(!text.includes(token));
    assert.ok(!text.includes(token.split('.')[2]!));
  });

  it('uses iat as authTime when there is no auth_time', async () => {
    const token = await sign(h.keys.ES256!, claimsFor(h.issuer, { iat: NOW - 5 }));
    assert.equal(principalOf(await authn(h.auth, token)).authTime, NOW - 5);
  });

  it('leaves out an email whose email_verified is false', async () => {
    for (const verified of [false, 'false']) {
      const claims = claimsFor(h.issuer, {
        email: 'x@example.com',
        email_verified: verified,
        jti: `${verified}`,
      });
      const p = principalOf(await authn(h.auth, await sign(h.keys.ES256!, claims)));
      assert.equal(p.email, undefined);
    }
  });

  it('reads groups from a string, and ignores groups of another type without failing', async () => {
    const single = await sign(h.keys.ES256!, claimsFor(h.issuer, { groups: 'admins' }));
    assert.deepEqual(principalOf(await authn(h.auth, single)).groups, ['admins']);
    for (const groups of [42, { a: 1 }, null, true]) {
      const token = await sign(h.keys.ES256!, claimsFor(h.issuer, { groups, jti: JSON.stringify(groups) }));
      assert.deepEqual(principalOf(await authn(h.auth, token)).groups, []);
    }
  });

  it('reads groups from a nested groupsClaim path and builds user principals', async () => {
    const idp = await startHarness({
      algorithms: ['RS256'],
      settings: { groupsClaim: 'realm_access.roles', kind: 'user' },
    });
    try {
      const token = await sign(idp.keys.RS256!, claimsFor(idp.issuer, { realm_access: { roles: ['ops'] } }));
      const p = principalOf(await authn(idp.auth, token));
      assert.equal(p.kind, 'user');
      assert.deepEqual(p.groups, ['ops']);
    } finally {
      await idp.close();
    }
  });
});

describe('JWT authenticator: required claims (CI OIDC tokens)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      settings: {
        requiredClaims: {
          repository_owner: 'acme',
          ref: ['refs/heads/main', 'refs/heads/release'],
          'job.protected': true,
        },
      },
    });
  });
  after(() => h.close());

  const ci = { repository_owner: 'acme', ref: 'refs/heads/main', job: { protected: true } };

  it('accepts a token whose claims have the expected values', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer, ci));
    assert.equal(outcome(await authn(h.auth, token)), 'authenticated');
  });

  it('refuses a token with another value or without the claim', async () => {
    for (const bad of [
      { ref: 'refs/heads/feature' },
      { repository_owner: 'evil' },
      { job: { protected: false } },
      { job: 1 },
    ]) {
      const token = await sign(h.keys.RS256!, claimsFor(h.issuer, { ...ci, ...bad }));
      assert.equal(outcome(await authn(h.auth, token)), 'token-claim-missing', JSON.stringify(bad));
    }
  });

  it('checks a list of claims for presence', async () => {
    const list = await startHarness({ settings: { requiredClaims: ['tenant', 'kubernetes.io.namespace'] } });
    try {
      const ok = { tenant: 't1', 'kubernetes.io': { namespace: 'ns' } };
      assert.equal(
        outcome(await authn(list.auth, await sign(list.keys.RS256!, claimsFor(list.issuer, ok)))),
        'authenticated',
      );
      const missing = await sign(list.keys.RS256!, claimsFor(list.issuer, { tenant: 't1' }));
      assert.equal(outcome(await authn(list.auth, missing)), 'token-claim-missing');
    } finally {
      await list.close();
    }
  });
});

describe('JWT authenticator: Kubernetes projected service-account tokens', () => {
  const k8sIssuer = 'https://kubernetes.default.svc.cluster.local';
  let h: Harness;
  before(async () => {
    h = await startHarness({ settings: { issuer: k8sIssuer, kubernetes: true, audiences: ['gatehouse'] } });
  });
  after(() => h.close());

  it('reads namespace, service account and pod', async () => {
    const token = await sign(h.keys.RS256!, {
      iss: k8sIssuer,
      sub: 'system:serviceaccount:payments:api',
      aud: ['gatehouse'],
      iat: NOW,
      nbf: NOW,
      exp: NOW + 3600,
      'kubernetes.io': {
        namespace: 'payments',
        serviceaccount: { name: 'api', uid: '5a2e0f2c-4c4a-4d5a-9a11-111111111111' },
        pod: { name: 'api-7d9c8b7f6-x2x9z', uid: '0f0e0d0c-0000-4000-8000-222222222222' },
      },
    });
    const p = principalOf(await authn(h.auth, token));
    assert.deepEqual(p.kubernetes, {
      namespace: 'payments',
      serviceAccount: 'api',
      podName: 'api-7d9c8b7f6-x2x9z',
    });
    assert.equal(p.subject, 'system:serviceaccount:payments:api');
    assert.equal(p.kind, 'workload');
    assert.ok(Object.isFrozen(p.kubernetes));
  });

  it('refuses a token without a Kubernetes identity', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(k8sIssuer, { sub: 'alice' }));
    assert.equal(outcome(await authn(h.auth, token)), 'token-claim-missing');
  });

  it('refuses a token whose sub and kubernetes.io claim disagree', async () => {
    const token = await sign(
      h.keys.RS256!,
      claimsFor(k8sIssuer, {
        sub: 'system:serviceaccount:kube-system:admin',
        'kubernetes.io': { namespace: 'payments', serviceaccount: { name: 'api' } },
      }),
    );
    assert.equal(outcome(await authn(h.auth, token)), 'token-claim-missing');
  });
});

describe('JWT authenticator: SPIRE JWT-SVIDs', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      algorithms: ['ES256'],
      settings: { spiffe: true, audiences: ['spiffe://example.org/gatehouse'] },
    });
  });
  after(() => h.close());

  it('reads the SPIFFE ID from sub', async () => {
    const token = await sign(h.keys.ES256!, {
      iss: h.issuer,
      sub: 'spiffe://example.org/ns/x/sa/y',
      aud: ['spiffe://example.org/gatehouse'],
      iat: NOW,
      exp: NOW + 300,
    });
    const p = principalOf(await authn(h.auth, token));
    assert.deepEqual(p.spiffe, {
      id: 'spiffe://example.org/ns/x/sa/y',
      trustDomain: 'example.org',
      path: '/ns/x/sa/y',
    });
    assert.equal(p.subject, 'spiffe://example.org/ns/x/sa/y');
  });

  for (const sub of [
    'spiffe://example.org',
    'spiffe://Example.org/x',
    'spiffe://example.org/../x',
    'https://example.org/x',
  ]) {
    it(`refuses sub ${sub}`, async () => {
      const token = await sign(h.keys.ES256!, {
        iss: h.issuer,
        sub,
        aud: 'spiffe://example.org/gatehouse',
        iat: NOW,
        exp: NOW + 300,
      });
      assert.equal(outcome(await authn(h.auth, token)), 'token-spiffe-id-invalid');
    });
  }
});

describe('JWT authenticator: settings from the config schema', () => {
  it('accepts a parsed config entry as issuer settings', () => {
    const settings = issuerSettings({ issuer: 'https://idp.example.com', discovery: true });
    const auth = createJwtAuthenticator([settings]);
    assert.equal(auth.name, 'jwt');
  });
});
