import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

describe('subject', () => {
  it('matches one subject or a list, exactly', () => {
    assert.equal(ruleAllows({ subject: 'user-123' }, makeInput(userPrincipal())), true);
    assert.equal(ruleAllows({ subject: ['x', 'user-123'] }, makeInput(userPrincipal())), true);
    assert.equal(ruleAllows({ subject: 'USER-123' }, makeInput(userPrincipal())), false);
    assert.equal(ruleAllows({ subject: 'user-12' }, makeInput(userPrincipal())), false);
  });

  it('fails with subject-unauthorized', () => {
    assert.deepEqual(evaluateRule({ subject: 'bob' }, makeInput(userPrincipal())).reasons, [
      'no-rule-matched',
      'subject-unauthorized',
    ]);
  });

  it('rejects a number with a pointer and a message naming the expected type', () => {
    const [p] = ruleProblems({ subject: 42 });
    assert.equal(p?.pointer, '/p/allow/0/subject');
    assert.match(p?.message ?? '', /string or a list of strings/);
  });
});
