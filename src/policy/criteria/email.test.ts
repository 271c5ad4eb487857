import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

describe('email', () => {
  it('matches case-insensitively', () => {
    assert.equal(ruleAllows({ email: 'Alice@Example.COM' }, makeInput(userPrincipal())), true);
    assert.equal(
      ruleAllows(
        { email: ['bob@example.com', 'alice@example.com'] },
        makeInput(userPrincipal({ email: 'ALICE@example.com' })),
      ),
      true,
    );
  });

  it('refuses another address, a missing one, and an unverified one', () => {
    assert.deepEqual(evaluateRule({ email: 'bob@example.com' }, makeInput(userPrincipal())).reasons, [
      'no-rule-matched',
      'email-unauthorized',
    ]);
    assert.equal(
      ruleAllows({ email: 'alice@example.com' }, makeInput(userPrincipal({ email: undefined }))),
      false,
    );
    assert.equal(
      ruleAllows(
        { email: 'alice@example.com' },
        makeInput(userPrincipal({ claims: { email_verified: false } })),
      ),
      false,
    );
  });

  it('rejects an object with a pointer', () => {
    assert.equal(ruleProblems({ email: { is: 'x' } })[0]?.pointer, '/p/allow/0/email');
  });
});
