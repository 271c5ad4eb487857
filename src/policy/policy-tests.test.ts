import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy } from './compile.ts';
import { formatTrace } from './format-trace.ts';
import { replayDecisions, runPolicyTests } from './policy-tests.ts';
import { inputFromSpec, principalFromSpec } from './scenario.ts';

const policies = {
  'engineering-apps': {
    allow: [
      { id: 'engineers', groups: { anyOf: ['engineering'] }, method: ['GET', 'HEAD'] },
      {
        id: 'office',
        emailDomain: ['example.com'],
        timeWindow: { days: ['mon' as const], hours: '09:00-18:00' },
      },
    ],
    deny: [{ id: 'no-contractors', claim: { path: 'employment.type', equals: 'contractor' } }],
  },
};

describe('runPolicyTests', () => {
  it('passes and fails cases, with mismatches and a trace for failures', () => {
    const run = runPolicyTests(
      {
        tests: [
          {
            name: 'engineers may read',
            policy: 'engineering-apps',
            principal: { groups: ['engineering'] },
            expect: { outcome: 'allow', ruleId: 'engineers' },
          },
          {
            name: 'anonymous must log in',
            policy: 'engineering-apps',
            expect: { outcome: 'deny', reason: 'user-unauthenticated' },
          },
          {
            name: 'office hours on Monday (UTC)',
            policy: 'engineering-apps',
            principal: { email: 'bob@example.com' },
            request: { method: 'POST' },
            now: '2024-01-15T10:00:00Z',
            expect: { outcome: 'allow', ruleId: 'office' },
          },
          {
            name: 'wrong expectation',
            policy: 'engineering-apps',
            principal: { groups: ['engineering'], claims: { employment: { type: 'contractor' } } },
            expect: { outcome: 'allow' },
          },
          {
            name: 'inline policy',
            policy: { allow: [{ kind: 'workload' }] },
            principal: { kind: 'workload', spiffeId: 'spiffe://prod.example.org/ns/ci/sa/x' },
            expect: { outcome: 'allow', reasons: ['rule-matched'] },
          },
        ],
      },
      policies,
    );
    assert.ok(run.results);
    assert.deepEqual(
      run.results.map((r) => [r.name, r.passed]),
      [
        ['engineers may read', true],
        ['anonymous must log in', true],
        ['office hours on Monday (UTC)', true],
        ['wrong expectation', false],
        ['inline policy', true],
      ],
    );
    assert.equal(run.failed, 1);
    const failed = run.results[3]!;
    assert.deepEqual(failed.mismatches, ['outcome: expected allow, got deny']);
    assert.match(formatTrace(failed.trace!), /✓ no-contractors — matched/);
  });

  it('reports file problems with pointers: shape, unknown reasons, unknown policies, bad policies', () => {
    assert.deepEqual(
      runPolicyTests({ tests: [{ name: 'x', policy: 'p', expect: { outcome: 'allowed' } }] }, {}).errors?.map(
        (e) => e.pointer,
      ),
      ['/tests/0/expect/outcome'],
    );
    assert.equal(
      runPolicyTests({ tests: [{ name: 'x', policy: 'p', expect: { outcome: 'deny', reason: 'nope' } }] }, {})
        .errors?.[0]?.pointer,
      '/tests/0/expect/reason',
    );
    assert.deepEqual(
      runPolicyTests({ tests: [{ name: 'x', policy: 'missing', expect: { outcome: 'deny' } }] }, policies)
        .errors,
      [{ pointer: '/tests/0/policy', message: 'unknown named policy "missing"; defined: engineering-apps' }],
    );
    const unknownCriterion = {
      tests: [{ name: 'x', policy: { allow: [{ grups: {} }] }, expect: { outcome: 'deny' } }],
    };
    assert.deepEqual(runPolicyTests(unknownCriterion, {}).errors, [
      { pointer: '/tests/0/policy/allow/0', message: 'unknown criterion "grups" (did you mean "groups"?)' },
    ]);
    const badCidr = {
      tests: [
        { name: 'x', policy: { allow: [{ sourceCidr: ['10.0.0.0/99'] }] }, expect: { outcome: 'deny' } },
      ],
    };
    assert.equal(runPolicyTests(badCidr, {}).errors?.[0]?.pointer, '/tests/0/policy/allow/0/sourceCidr/0');
  });
});

describe('scenarios', () => {
  it('accept the audit record principal shape', () => {
    const p = principalFromSpec({
      kind: 'workload',
      subject: 'spiffe://prod.example.org/ns/ci/sa/deployer',
      issuer: 'spiffe://prod.example.org',
      method: 'mtls',
      source: 'prod.example.org',
      spiffeId: 'spiffe://prod.example.org/ns/ci/sa/deployer',
      kubernetes: { namespace: 'ci', serviceAccount: 'deployer' },
    });
    assert.deepEqual(p.spiffe, {
      id: 'spiffe://prod.example.org/ns/ci/sa/deployer',
      trustDomain: 'prod.example.org',
      path: '/ns/ci/sa/deployer',
    });
  });
});

describe('replayDecisions', () => {
  it('lists requests whose outcome or rule would change', () => {
    const stricter = compilePolicy(
      { allow: [{ id: 'readers', groups: { anyOf: ['engineering'] }, method: ['GET'] }] },
      { pointer: '/p' },
    ).policy!;
    const entry = (method: string, outcome: 'allow' | 'deny', ruleId: string | undefined, ref: number) => ({
      input: inputFromSpec({
        principal: { groups: ['engineering'] },
        request: { method },
        nowSeconds: 1_700_000_000,
      }),
      recorded: { outcome, ruleId },
      ref,
    });
    const r = replayDecisions(
      [
        entry('GET', 'allow', 'readers', 1),
        entry('POST', 'allow', 'writers', 2),
        entry('GET', 'allow', 'old-rule', 3),
      ],
      stricter,
    );
    assert.equal(r.total, 3);
    assert.deepEqual(
      r.changed.map((c) => [c.ref, c.now.outcome, c.now.ruleId]),
      [
        [2, 'deny', undefined],
        [3, 'allow', 'readers'],
      ],
    );
  });
});
