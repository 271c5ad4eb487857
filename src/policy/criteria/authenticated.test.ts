import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

describe('authenticated', () => {
  it('true admits a caller with a credential and refuses an anonymous one as unauthenticated', () => {
    assert.equal(ruleAllows({ authenticated: true }, makeInput(userPrincipal())), true);
    assert.deepEqual(evaluateRule({ authenticated: true }, makeInput(undefined)).reasons, [
      'no-rule-matched',
      'user-unauthenticated',
    ]);
  });

  it('false admits only anonymous callers', () => {
    assert.equal(ruleAllows({ authenticated: false }, makeInput(undefined)), true);
    assert.equal(ruleAllows({ authenticated: false }, makeInput(userPrincipal())), false);
  });

  it('rejects a non-boolean with a pointer', () => {
    const problems = ruleProblems({ authenticated: 'yes' });
    assert.equal(problems[0]?.pointer, '/p/allow/0/authenticated');
  });
});
