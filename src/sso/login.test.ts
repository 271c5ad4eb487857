import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unmetStepUp } from './callback.ts';
import { loginMayHelp } from './challenge.ts';
import { stepUpFrom, stepUpQuery } from './login.ts';

describe('step-up parameters', () => {
  it('round-trips max_age, acr_values and amr_values through a login URL', () => {
    const s = { maxAge: 300, acr: ['urn:mfa', 'urn:hwk'], amr: ['otp'] };
    const q = new URLSearchParams(stepUpQuery(s).slice(1));
    assert.deepEqual(stepUpFrom(q), s);
    assert.equal(stepUpQuery(undefined), '');
    assert.equal(stepUpFrom(new URLSearchParams('rd=/x')), undefined);
  });

  it('ignores malformed values (a tampered URL can only weaken the caller’s own sign-in)', () => {
    assert.equal(stepUpFrom(new URLSearchParams('max_age=-1&acr_values=%00x&amr_values=')), undefined);
    assert.deepEqual(
      stepUpFrom(new URLSearchParams('acr=urn:x')),
      { acr: ['urn:x'] },
      'short names accepted',
    );
  });
});

describe('unmetStepUp', () => {
  it('checks acr, amr and the presence of auth_time', () => {
    const req = { maxAge: 60, acr: ['urn:mfa'], amr: ['otp', 'hwk'] };
    assert.equal(unmetStepUp(req, { acr: 'urn:mfa', amr: ['pwd', 'otp'], auth_time: 1 }), undefined);
    assert.equal(unmetStepUp(req, { acr: 'urn:pwd', amr: ['otp'], auth_time: 1 }), 'acr-insufficient');
    assert.equal(unmetStepUp(req, { acr: 'urn:mfa', amr: ['pwd'], auth_time: 1 }), 'amr-insufficient');
    assert.equal(unmetStepUp(req, { acr: 'urn:mfa', amr: ['otp'] }), 'auth-too-old');
    assert.equal(unmetStepUp({}, {}), undefined);
  });
});

describe('loginMayHelp', () => {
  const deny = (reasons: string[], principal = false, mode: 'enforce' | 'audit' = 'enforce') =>
    ({
      outcome: 'deny',
      mode,
      reasons,
      ...(principal ? { principal: { subject: 'a' } } : {}),
    }) as never;
  it('yes for anonymous callers and dead sessions', () => {
    assert.equal(loginMayHelp(deny(['no-rule-matched', 'user-unauthenticated'])), true);
    assert.equal(loginMayHelp(deny(['session-expired'])), true);
    assert.equal(loginMayHelp(deny(['session-revoked'])), true);
  });
  it('no for bad bearer tokens, certificates, store failures, signed-in refusals and audit mode', () => {
    assert.equal(loginMayHelp(deny(['token-expired'])), false);
    assert.equal(loginMayHelp(deny(['cert-required'])), false);
    assert.equal(loginMayHelp(deny(['session-store-unavailable'])), false);
    assert.equal(loginMayHelp(deny(['no-rule-matched', 'group-unauthorized'], true)), false);
    assert.equal(loginMayHelp(deny(['no-rule-matched', 'user-unauthenticated'], false, 'audit')), false);
    assert.equal(loginMayHelp({ outcome: 'allow', mode: 'enforce', reasons: ['rule-matched'] }), false);
  });
});
