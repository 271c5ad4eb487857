import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems } from '../testing.ts';

describe('method', () => {
  it('matches methods, config compared upper-case', () => {
    assert.equal(ruleAllows({ method: ['GET', 'HEAD'] }, makeInput(undefined, { method: 'HEAD' })), true);
    assert.equal(ruleAllows({ method: ['get'] }, makeInput(undefined, { method: 'GET' })), true);
  });

  it('yields method-not-allowed', () => {
    assert.deepEqual(evaluateRule({ method: ['GET'] }, makeInput(undefined, { method: 'DELETE' })).reasons, [
      'no-rule-matched',
      'method-not-allowed',
    ]);
  });

  it('rejects a string and non-token methods with pointers', () => {
    assert.equal(ruleProblems({ method: 'GET' })[0]?.pointer, '/p/allow/0/method');
    assert.equal(ruleProblems({ method: ['GET', 'GET /x'] })[0]?.pointer, '/p/allow/0/method/1');
  });
});
