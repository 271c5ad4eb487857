import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

describe('issuer', () => {
  it('matches exactly', () => {
    assert.equal(ruleAllows({ issuer: 'https://idp.example.com' }, makeInput(userPrincipal())), true);
    assert.equal(
      ruleAllows({ issuer: ['https://a', 'https://idp.example.com'] }, makeInput(userPrincipal())),
      true,
    );
    assert.equal(ruleAllows({ issuer: 'https://idp.example.com/' }, makeInput(userPrincipal())), false);
  });

  it('yields issuer-unauthorized', () => {
    assert.deepEqual(evaluateRule({ issuer: 'https://other' }, makeInput(userPrincipal())).reasons, [
      'no-rule-matched',
      'issuer-unauthorized',
    ]);
  });

  it('rejects an empty string with a pointer', () => {
    assert.equal(ruleProblems({ issuer: '' })[0]?.pointer, '/p/allow/0/issuer');
  });
});
