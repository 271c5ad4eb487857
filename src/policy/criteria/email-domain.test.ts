import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

const withEmail = (email: string) => makeInput(userPrincipal({ email }));

describe('emailDomain', () => {
  it('matches the domain after the @ (outside a quoted local part), case-insensitively', () => {
    assert.equal(ruleAllows({ emailDomain: ['example.com'] }, withEmail('alice@EXAMPLE.com')), true);
    assert.equal(ruleAllows({ emailDomain: ['Example.com'] }, withEmail('"a@b"@example.com')), true);
  });

  it('an address with two @ outside quotes matches no domain', () => {
    for (const email of [
      'alice@evil.com@example.com',
      '"a@b"@evil.com@example.com',
      '"unterminated@example.com',
    ]) {
      assert.equal(ruleAllows({ emailDomain: ['example.com'] }, withEmail(email)), false, email);
      assert.equal(ruleAllows({ emailDomain: ['evil.com'] }, withEmail(email)), false, email);
    }
  });

  it('no suffix tricks: look-alike, sub-domain and embedded domains do not match', () => {
    for (const email of [
      'mallory@evil-example.com',
      'mallory@sub.example.com',
      'mallory@example.com.evil.org',
      'example.com@evil.org',
      'mallory@example.co',
    ]) {
      assert.equal(ruleAllows({ emailDomain: ['example.com'] }, withEmail(email)), false, email);
    }
    assert.deepEqual(
      evaluateRule({ emailDomain: ['example.com'] }, withEmail('m@evil-example.com')).reasons,
      ['no-rule-matched', 'email-domain-unauthorized'],
    );
  });

  it('refuses unverified email and missing email', () => {
    assert.equal(
      ruleAllows(
        { emailDomain: ['example.com'] },
        makeInput(userPrincipal({ claims: { email_verified: false } })),
      ),
      false,
    );
    assert.equal(
      ruleAllows({ emailDomain: ['example.com'] }, makeInput(userPrincipal({ email: undefined }))),
      false,
    );
  });

  it('rejects @ and wildcards in config with a pointer at the entry', () => {
    assert.equal(
      ruleProblems({ emailDomain: ['ok.com', '@example.com'] })[0]?.pointer,
      '/p/allow/0/emailDomain/1',
    );
    assert.equal(ruleProblems({ emailDomain: ['*.example.com'] })[0]?.pointer, '/p/allow/0/emailDomain/0');
    assert.equal(ruleProblems({ emailDomain: 'example.com' })[0]?.pointer, '/p/allow/0/emailDomain');
  });
});
