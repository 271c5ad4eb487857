import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

const withAmr = (...amr: string[]) => makeInput(userPrincipal({ amr }));

describe('amr', () => {
  it('anyOf and allOf', () => {
    assert.equal(ruleAllows({ amr: { anyOf: ['hwk', 'otp'] } }, withAmr('pwd', 'otp')), true);
    assert.equal(ruleAllows({ amr: { allOf: ['pwd', 'otp'] } }, withAmr('pwd', 'otp')), true);
    assert.equal(ruleAllows({ amr: { allOf: ['pwd', 'hwk'] } }, withAmr('pwd', 'otp')), false);
  });

  it('yields amr-insufficient, also when amr is missing', () => {
    assert.deepEqual(evaluateRule({ amr: { anyOf: ['hwk'] } }, withAmr('pwd')).reasons, [
      'no-rule-matched',
      'amr-insufficient',
    ]);
    assert.equal(
      ruleAllows({ amr: { anyOf: ['hwk'] } }, makeInput(userPrincipal({ amr: undefined }))),
      false,
    );
  });

  it('rejects a list without anyOf / allOf with a pointer', () => {
    assert.equal(ruleProblems({ amr: ['otp'] })[0]?.pointer, '/p/allow/0/amr');
  });
});
