import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

describe('acr', () => {
  it('matches one of the listed classes', () => {
    assert.equal(
      ruleAllows({ acr: ['urn:example:mfa', 'urn:example:pwd'] }, makeInput(userPrincipal())),
      true,
    );
  });

  it('a weaker or missing acr yields acr-insufficient', () => {
    assert.deepEqual(evaluateRule({ acr: ['urn:example:mfa'] }, makeInput(userPrincipal())).reasons, [
      'no-rule-matched',
      'acr-insufficient',
    ]);
    assert.equal(
      ruleAllows({ acr: ['urn:example:mfa'] }, makeInput(userPrincipal({ acr: undefined }))),
      false,
    );
  });

  it('rejects a string with a pointer', () => {
    assert.equal(ruleProblems({ acr: 'urn:example:mfa' })[0]?.pointer, '/p/allow/0/acr');
  });
});
