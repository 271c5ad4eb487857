import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isIdentityHeader } from './hygiene.ts';

it('recognises identity headers of Gatehouse and common peers', () => {
  for (const h of [
    'x-gatehouse-assertion',
    'x-gatehouse-user',
    'x-forwarded-user',
    'x-forwarded-email',
    'x-forwarded-groups',
    'x-forwarded-preferred-username',
    'x-auth-request-user',
    'x-auth-request-email',
    'remote-user',
    'remote-groups',
    'remote-email',
    'remote-name',
    'x-remote-user',
    'x-pomerium-jwt-assertion',
    'cf-access-jwt-assertion',
    'cf-access-authenticated-user-email',
    'x-goog-iap-jwt-assertion',
    'x-goog-authenticated-user-email',
  ]) {
    assert.equal(isIdentityHeader(h), true, h);
  }
});

it('leaves ordinary headers alone and honours configured extras', () => {
  for (const h of ['accept', 'x-forwarded-for-real', 'user-agent', 'x-goog-api-key', 'cookie']) {
    assert.equal(isIdentityHeader(h), false, h);
  }
  assert.equal(isIdentityHeader('x-team', new Set(['x-team'])), true);
});

it('recognises path and method override headers, in any spelling', async () => {
  const { isRewriteHeader } = await import('./hygiene.ts');
  for (const h of [
    'x-original-url',
    'x-rewrite-url',
    'x-original-uri',
    'x-http-method-override',
    'x-http-method',
    'x-method-override',
    'x_original_url',
  ]) {
    assert.equal(isRewriteHeader(h), true, h);
  }
  assert.equal(isRewriteHeader('x-request-id'), false);
});
