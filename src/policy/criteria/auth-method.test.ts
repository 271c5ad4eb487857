import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateRule,
  makeInput,
  ruleAllows,
  ruleProblems,
  userPrincipal,
  workloadPrincipal,
} from '../testing.ts';

describe('authMethod', () => {
  it('matches how the caller authenticated', () => {
    assert.equal(ruleAllows({ authMethod: ['mtls'] }, makeInput(workloadPrincipal())), true);
    assert.equal(ruleAllows({ authMethod: ['session', 'jwt'] }, makeInput(userPrincipal())), true);
  });

  it('yields auth-method-unauthorized', () => {
    assert.deepEqual(evaluateRule({ authMethod: ['mtls'] }, makeInput(userPrincipal())).reasons, [
      'no-rule-matched',
      'auth-method-unauthorized',
    ]);
  });

  it('rejects an unknown method with a pointer at the entry', () => {
    assert.equal(ruleProblems({ authMethod: ['jwt', 'basic'] })[0]?.pointer, '/p/allow/0/authMethod/1');
  });
});
