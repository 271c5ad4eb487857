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

const ci = makeInput(workloadPrincipal('ci', 'deployer'));

describe('spiffeId', () => {
  it('exact compares the whole ID', () => {
    assert.equal(
      ruleAllows({ spiffeId: { exact: 'spiffe://prod.example.org/ns/ci/sa/deployer' } }, ci),
      true,
    );
    assert.equal(ruleAllows({ spiffeId: { exact: 'spiffe://prod.example.org/ns/ci/sa/deploy' } }, ci), false);
  });

  it('trustDomain alone admits the whole trust domain, and only it', () => {
    assert.equal(ruleAllows({ spiffeId: { trustDomain: 'prod.example.org' } }, ci), true);
    assert.equal(ruleAllows({ spiffeId: { trustDomain: 'example.org' } }, ci), false);
    assert.equal(ruleAllows({ spiffeId: { trustDomain: 'prod.example.org.evil' } }, ci), false);
  });

  it('* matches one segment, ** any number', () => {
    const rule = (path: string) => ({ spiffeId: { trustDomain: 'prod.example.org', path } });
    assert.equal(ruleAllows(rule('/ns/ci/sa/*'), ci), true);
    assert.equal(ruleAllows(rule('/ns/*/sa/deployer'), ci), true);
    assert.equal(ruleAllows(rule('/ns/*'), ci), false);
    assert.equal(ruleAllows(rule('/ns/**'), ci), true);
    assert.equal(ruleAllows(rule('/**/deployer'), ci), true);
    assert.equal(ruleAllows(rule('/ns/prod/**'), ci), false);
  });

  it('a user without a SPIFFE ID fails with spiffe-id-unauthorized', () => {
    assert.deepEqual(
      evaluateRule({ spiffeId: { trustDomain: 'prod.example.org' } }, makeInput(userPrincipal())).reasons,
      ['no-rule-matched', 'spiffe-id-unauthorized'],
    );
  });

  it('rejects malformed forms with pointers', () => {
    assert.equal(ruleProblems({ spiffeId: { exact: 'https://x' } })[0]?.pointer, '/p/allow/0/spiffeId/exact');
    assert.equal(ruleProblems({ spiffeId: { path: '/ns/*' } })[0]?.pointer, '/p/allow/0/spiffeId');
    assert.equal(
      ruleProblems({ spiffeId: { exact: 'spiffe://a/b', path: '/x' } })[0]?.pointer,
      '/p/allow/0/spiffeId/path',
    );
    assert.equal(
      ruleProblems({ spiffeId: { trustDomain: 'Prod.Example.org' } })[0]?.pointer,
      '/p/allow/0/spiffeId/trustDomain',
    );
  });
});
