import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyConfig } from '../config/schema-policy.ts';
import type { RequestInfo } from '../model/index.ts';
import { compilePolicy } from './compile.ts';
import { makeInput, userPrincipal, workloadPrincipal } from './testing.ts';
import type { CompiledPolicy } from './types.ts';

function compile(config: PolicyConfig): CompiledPolicy {
  const r = compilePolicy(config, { pointer: '/p' });
  if (!r.policy) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

const engineering: PolicyConfig = {
  allow: [
    { id: 'engineers', groups: { anyOf: ['engineering'] }, method: ['GET', 'HEAD'] },
    {
      id: 'ci-deployer',
      kind: 'workload',
      spiffeId: { trustDomain: 'prod.example.org', path: '/ns/ci/sa/*' },
      path: { prefix: '/deploy' },
    },
  ],
  deny: [{ id: 'no-contractors', claim: { path: 'employment.type', equals: 'contractor' } }],
};

describe('policy evaluation', () => {
  const policy = compile(engineering);

  it('allows through the first matching allow rule', () => {
    assert.deepEqual(policy.evaluate(makeInput(userPrincipal())), {
      outcome: 'allow',
      reasons: ['rule-matched'],
      ruleId: 'engineers',
    });
    const deploy = policy.evaluate(
      makeInput(workloadPrincipal('ci', 'deployer'), { method: 'POST', path: '/deploy/app' }),
    );
    assert.equal(deploy.ruleId, 'ci-deployer');
  });

  it('deny wins over a matching allow, and names the criterion', () => {
    const r = policy.evaluate(makeInput(userPrincipal({ claims: { employment: { type: 'contractor' } } })));
    assert.deepEqual(r, {
      outcome: 'deny',
      reasons: ['deny-rule-matched', 'claim-unauthorized'],
      ruleId: 'no-contractors',
    });
  });

  it('nothing matches: no-rule-matched plus the failed criterion of the closest rule', () => {
    // engineers fails on method after groups passed: the closest rule.
    assert.deepEqual(policy.evaluate(makeInput(userPrincipal(), { method: 'POST' })).reasons, [
      'no-rule-matched',
      'method-not-allowed',
    ]);
    assert.deepEqual(
      policy.evaluate(makeInput(workloadPrincipal('prod', 'api'), { path: '/deploy' })).reasons,
      ['no-rule-matched', 'spiffe-id-unauthorized'],
    );
  });

  it('anonymous: user-unauthenticated so the caller can be sent to log in', () => {
    assert.deepEqual(policy.evaluate(makeInput(undefined)), {
      outcome: 'deny',
      reasons: ['no-rule-matched', 'user-unauthenticated'],
    });
  });

  it('an empty policy, or one with only deny rules, denies everything', () => {
    for (const config of [{}, { allow: [] }, { deny: [{ kind: 'workload' as const }] }]) {
      const p = compile(config);
      assert.equal(p.evaluate(makeInput(userPrincipal())).outcome, 'deny');
      assert.equal(p.evaluate(makeInput(undefined)).outcome, 'deny');
    }
    assert.deepEqual(compile({}).evaluate(makeInput(userPrincipal())).reasons, ['no-rule-matched']);
  });

  it('an allow rule about identity never admits an anonymous caller, even under not', () => {
    const p = compile({ allow: [{ not: { groups: { anyOf: ['contractors'] } } }] });
    assert.equal(p.evaluate(makeInput(userPrincipal())).outcome, 'allow');
    assert.deepEqual(p.evaluate(makeInput(undefined)).reasons, ['no-rule-matched', 'user-unauthenticated']);
  });

  it('a public rule (no identity criteria) admits anonymous callers', () => {
    const p = compile({ allow: [{ path: { prefix: '/public' } }, { groups: { anyOf: ['engineering'] } }] });
    assert.equal(p.evaluate(makeInput(undefined, { path: '/public/x' })).outcome, 'allow');
    assert.deepEqual(p.evaluate(makeInput(undefined, { path: '/private' })).reasons, [
      'no-rule-matched',
      'user-unauthenticated',
    ]);
  });

  it('any / all / not', () => {
    const p = compile({
      allow: [
        {
          any: [
            { groups: { anyOf: ['sre'] } },
            { all: [{ groups: { anyOf: ['engineering'] } }, { method: ['GET'] }] },
          ],
          not: { email: 'banned@example.com' },
        },
      ],
    });
    assert.equal(
      p.evaluate(makeInput(userPrincipal({ groups: ['sre'] }), { method: 'DELETE' })).outcome,
      'allow',
    );
    assert.equal(p.evaluate(makeInput(userPrincipal(), { method: 'GET' })).outcome, 'allow');
    assert.equal(p.evaluate(makeInput(userPrincipal(), { method: 'POST' })).outcome, 'deny');
    const banned = p.evaluate(makeInput(userPrincipal({ email: 'banned@example.com' })));
    assert.deepEqual(banned.reasons, ['no-rule-matched', 'email-unauthorized']);
    assert.equal(compile({ allow: [{ any: [] }] }).evaluate(makeInput(undefined)).outcome, 'deny');
    assert.equal(compile({ allow: [{ all: [] }] }).evaluate(makeInput(undefined)).outcome, 'allow');
  });

  describe('challenge', () => {
    const admin = compile({
      allow: [
        {
          id: 'admins',
          groups: { anyOf: ['admin'] },
          challenge: { maxAgeSeconds: 300, acr: ['urn:example:mfa'], amr: ['otp', 'hwk'] },
        },
      ],
      deny: [{ id: 'no-delete', method: ['DELETE'] }],
    });
    const now = 1_700_010_000;
    const adminAt = (authTime: number, acr = 'urn:example:mfa', amr = ['pwd', 'otp']) =>
      makeInput(userPrincipal({ groups: ['admin'], authTime, acr, amr }), {}, now);

    it('fresh and strong enough: allow', () => {
      assert.equal(admin.evaluate(adminAt(now - 300)).outcome, 'allow');
    });

    it('too old: challenge with the requirement', () => {
      assert.deepEqual(admin.evaluate(adminAt(now - 301)), {
        outcome: 'challenge',
        ruleId: 'admins',
        reasons: ['auth-too-old'],
        challenge: { maxAgeSeconds: 300, acr: ['urn:example:mfa'], amr: ['otp', 'hwk'] },
      });
    });

    it('too weak: acr / amr reasons', () => {
      assert.deepEqual(admin.evaluate(adminAt(now, 'urn:example:pwd', ['pwd'])).reasons, [
        'acr-insufficient',
        'amr-insufficient',
      ]);
      assert.deepEqual(admin.evaluate(adminAt(now - 1000, 'urn:example:mfa', ['hwk'])).reasons, [
        'auth-too-old',
      ]);
    });

    it('a challenge needs the other criteria to hold', () => {
      const r = admin.evaluate(makeInput(userPrincipal({ groups: ['engineering'], authTime: 0 }), {}, now));
      assert.deepEqual(r.reasons, ['no-rule-matched', 'group-unauthorized']);
    });

    it('deny rules still win over a challenge', () => {
      const r = admin.evaluate(
        makeInput(userPrincipal({ groups: ['admin'], authTime: 0 }), { method: 'DELETE' }, now),
      );
      assert.equal(r.outcome, 'deny');
      assert.equal(r.ruleId, 'no-delete');
    });

    it('another allow rule that matches outright wins over a challenge', () => {
      const p = compile({
        allow: [
          { id: 'step-up', kind: 'user', challenge: { maxAgeSeconds: 60 } },
          { id: 'readers', method: ['GET'], kind: 'user' },
        ],
      });
      assert.equal(
        p.evaluate(makeInput(userPrincipal({ authTime: 0 }), { method: 'GET' }, now)).ruleId,
        'readers',
      );
      assert.equal(
        p.evaluate(makeInput(userPrincipal({ authTime: 0 }), { method: 'POST' }, now)).outcome,
        'challenge',
      );
    });

    it('an anonymous caller is unauthenticated, not challenged', () => {
      assert.deepEqual(
        compile({ allow: [{ challenge: { maxAgeSeconds: 60 } }] }).evaluate(makeInput(undefined)).reasons,
        ['no-rule-matched', 'user-unauthenticated'],
      );
    });
  });

  it('never throws: a broken input is a deny with internal-error, counted', () => {
    const p = compile({ allow: [{ method: ['GET'] }, { header: { name: 'x', equals: 'y' } }] });
    const broken = { principal: undefined, request: undefined as unknown as RequestInfo, nowSeconds: 0 };
    assert.deepEqual(p.evaluate(broken), { outcome: 'deny', reasons: ['internal-error'] });
    assert.equal(p.counters.internalErrors, 1);
    assert.equal(p.explain(broken).outcome, 'deny');
  });

  it('results are frozen and shared', () => {
    const a = policy.evaluate(makeInput(userPrincipal()));
    const b = policy.evaluate(makeInput(userPrincipal()));
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.reasons));
  });
});
