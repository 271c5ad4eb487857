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

describe('kubernetes', () => {
  it('namespace list', () => {
    assert.equal(ruleAllows({ kubernetes: { namespace: ['ci', 'build'] } }, ci), true);
    assert.equal(ruleAllows({ kubernetes: { namespace: ['prod'] } }, ci), false);
  });

  it('namespace/name service accounts', () => {
    assert.equal(ruleAllows({ kubernetes: { serviceAccount: ['ci/deployer'] } }, ci), true);
    assert.equal(ruleAllows({ kubernetes: { serviceAccount: ['prod/deployer'] } }, ci), false);
  });

  it('bare names combine with the namespace list', () => {
    assert.equal(ruleAllows({ kubernetes: { namespace: ['ci'], serviceAccount: ['deployer'] } }, ci), true);
    assert.equal(ruleAllows({ kubernetes: { namespace: ['ci'], serviceAccount: ['builder'] } }, ci), false);
    assert.equal(
      ruleAllows({ kubernetes: { namespace: ['prod'], serviceAccount: ['deployer'] } }, ci),
      false,
    );
  });

  it('yields kubernetes-unauthorized; a user has no Kubernetes identity', () => {
    assert.deepEqual(
      evaluateRule({ kubernetes: { namespace: ['ci'] } }, makeInput(userPrincipal())).reasons,
      ['no-rule-matched', 'kubernetes-unauthorized'],
    );
  });

  it('refuses a bare service account name without namespaces (it would match every namespace)', () => {
    const [p] = ruleProblems({ kubernetes: { serviceAccount: ['default'] } });
    assert.equal(p?.pointer, '/p/allow/0/kubernetes/serviceAccount/0');
    assert.match(p?.message ?? '', /every namespace/);
  });

  it('rejects an empty object and bad names with pointers', () => {
    assert.equal(ruleProblems({ kubernetes: {} })[0]?.pointer, '/p/allow/0/kubernetes');
    assert.equal(
      ruleProblems({ kubernetes: { namespace: ['Bad_NS'] } })[0]?.pointer,
      '/p/allow/0/kubernetes/namespace/0',
    );
  });
});
