import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

const authenticatedAt = (authTime: number | undefined, now: number) =>
  makeInput(userPrincipal({ authTime }), {}, now);

describe('authAge', () => {
  it('admits an authentication at most maxSeconds old (edge inclusive)', () => {
    assert.equal(ruleAllows({ authAge: { maxSeconds: 300 } }, authenticatedAt(1000, 1300)), true);
    assert.equal(ruleAllows({ authAge: { maxSeconds: 300 } }, authenticatedAt(1000, 1301)), false);
  });

  it('no auth time fails: auth-too-old', () => {
    assert.deepEqual(
      evaluateRule({ authAge: { maxSeconds: 300 } }, authenticatedAt(undefined, 1000)).reasons,
      ['no-rule-matched', 'auth-too-old'],
    );
  });

  it('an authentication in the future (beyond a minute) or not finite is not fresh', () => {
    const rule = { authAge: { maxSeconds: 300 } };
    assert.equal(ruleAllows(rule, authenticatedAt(1060, 1000)), true, 'within the skew');
    assert.equal(ruleAllows(rule, authenticatedAt(1061, 1000)), false);
    assert.equal(ruleAllows(rule, authenticatedAt(1000 + 86_400 * 365, 1000)), false);
    assert.equal(ruleAllows(rule, authenticatedAt(Number.POSITIVE_INFINITY, 1000)), false);
    assert.equal(ruleAllows(rule, authenticatedAt(Number.NaN, 1000)), false);
  });

  it('rejects negative and fractional seconds with pointers', () => {
    assert.equal(ruleProblems({ authAge: { maxSeconds: -1 } })[0]?.pointer, '/p/allow/0/authAge/maxSeconds');
    assert.equal(ruleProblems({ authAge: { maxSeconds: 1.5 } })[0]?.pointer, '/p/allow/0/authAge/maxSeconds');
    assert.equal(ruleProblems({ authAge: 300 })[0]?.pointer, '/p/allow/0/authAge');
  });
});
