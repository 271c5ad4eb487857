import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy } from '../compile.ts';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

describe('when (CEL)', () => {
  it('evaluates over principal and request', () => {
    const rule = { when: "principal.groups.exists(g, g == 'engineering') && request.method == 'GET'" };
    assert.equal(ruleAllows(rule, makeInput(userPrincipal())), true);
    assert.equal(ruleAllows(rule, makeInput(userPrincipal(), { method: 'POST' })), false);
  });

  it('false yields condition-failed', () => {
    assert.deepEqual(evaluateRule({ when: "request.path == '/x'" }, makeInput(undefined)).reasons, [
      'no-rule-matched',
      'condition-failed',
    ]);
  });

  it('an expression about the principal never admits an anonymous caller', () => {
    assert.deepEqual(evaluateRule({ when: '!principal.authenticated' }, makeInput(undefined)).reasons, [
      'no-rule-matched',
      'user-unauthenticated',
    ]);
  });

  it('an evaluation error fails the allow rule with internal-error and is counted', () => {
    const compiled = compilePolicy(
      { allow: [{ when: "principal.claims.department == 'eng'" }] },
      { pointer: '/p' },
    );
    assert.ok(compiled.policy);
    const r = compiled.policy.evaluate(makeInput(userPrincipal()));
    assert.equal(r.outcome, 'deny');
    assert.deepEqual(r.reasons, ['no-rule-matched', 'internal-error']);
    assert.equal(compiled.policy.counters.internalErrors, 1);
  });

  it('an evaluation error in a deny rule denies (fail closed)', () => {
    const compiled = compilePolicy(
      {
        allow: [{ authenticated: true }],
        deny: [{ id: 'no-contractors', when: "principal.claims.type == 'contractor'" }],
      },
      { pointer: '/p' },
    );
    const r = compiled.policy?.evaluate(makeInput(userPrincipal()));
    assert.equal(r?.outcome, 'deny');
    assert.equal(r?.ruleId, 'no-contractors');
    assert.deepEqual(r?.reasons, ['internal-error']);
  });

  it('the same error under not does not flip into an allow', () => {
    const r = evaluateRule(
      { not: { when: "principal.claims.type == 'contractor'" } },
      makeInput(userPrincipal()),
    );
    assert.equal(r.outcome, 'deny');
    assert.deepEqual(r.reasons, ['no-rule-matched', 'internal-error']);
  });

  it('compile problems carry the pointer of the expression', () => {
    for (const when of ['1 +', 'principal.grups == 1', 'principal.kind == 1', 'request.path', 'foo == 1']) {
      const [p] = ruleProblems({ when });
      assert.equal(p?.pointer, '/p/allow/0/when', when);
    }
    assert.equal(ruleProblems({ when: 42 })[0]?.pointer, '/p/allow/0/when');
  });
});
