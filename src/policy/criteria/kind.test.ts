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

describe('kind', () => {
  it('matches the principal kind', () => {
    assert.equal(ruleAllows({ kind: 'workload' }, makeInput(workloadPrincipal())), true);
    assert.equal(ruleAllows({ kind: 'user' }, makeInput(userPrincipal())), true);
  });

  it('a user is not a workload: kind-unauthorized', () => {
    assert.deepEqual(evaluateRule({ kind: 'workload' }, makeInput(userPrincipal())).reasons, [
      'no-rule-matched',
      'kind-unauthorized',
    ]);
  });

  it('rejects an unknown kind with a pointer', () => {
    assert.equal(ruleProblems({ kind: 'robot' })[0]?.pointer, '/p/allow/0/kind');
  });
});
