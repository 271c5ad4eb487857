import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestInfo } from '../../model/index.ts';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

const acme = (request: Partial<RequestInfo>) =>
  makeInput(userPrincipal({ claims: { org: { id: 'acme' }, tenants: ['t1', 't2'] } }), request);

describe('tenant', () => {
  it('claim equals a header', () => {
    const rule = { tenant: { claim: 'org.id', equalsHeader: 'X-Tenant' } };
    assert.equal(ruleAllows(rule, acme({ headers: { 'x-tenant': 'acme' } })), true);
    assert.equal(ruleAllows(rule, acme({ headers: { 'x-tenant': 'globex' } })), false);
    assert.equal(ruleAllows(rule, acme({ headers: {} })), false);
  });

  it('claim equals a path segment (0-based)', () => {
    const rule = { tenant: { claim: 'org.id', equalsPathSegment: 1 } };
    assert.equal(ruleAllows(rule, acme({ path: '/t/acme/orders' })), true);
    assert.equal(ruleAllows(rule, acme({ path: '/t/acme' })), true);
    assert.equal(ruleAllows(rule, acme({ path: '/t/globex/orders' })), false);
    assert.equal(ruleAllows(rule, acme({ path: '/t' })), false);
    assert.equal(ruleAllows(rule, acme({ path: '/t//acme' })), false);
  });

  it('claim equals a query parameter; a repeated one never matches', () => {
    const rule = { tenant: { claim: 'org.id', equalsQuery: 'tenant' } };
    assert.equal(ruleAllows(rule, acme({ query: 'tenant=acme' })), true);
    assert.equal(ruleAllows(rule, acme({ query: 'tenant=acme&tenant=globex' })), false);
  });

  it('a list claim holds several tenants', () => {
    const rule = { tenant: { claim: 'tenants', equalsHeader: 'x-tenant' } };
    assert.equal(ruleAllows(rule, acme({ headers: { 'x-tenant': 't2' } })), true);
    assert.equal(ruleAllows(rule, acme({ headers: { 'x-tenant': 't3' } })), false);
  });

  it('yields tenant-mismatch', () => {
    assert.deepEqual(
      evaluateRule(
        { tenant: { claim: 'org.id', equalsHeader: 'x-tenant' } },
        acme({ headers: { 'x-tenant': 'globex' } }),
      ).reasons,
      ['no-rule-matched', 'tenant-mismatch'],
    );
  });

  it('rejects a missing source and a negative segment with pointers', () => {
    assert.equal(ruleProblems({ tenant: { claim: 'org.id' } })[0]?.pointer, '/p/allow/0/tenant');
    assert.equal(
      ruleProblems({ tenant: { claim: 'org.id', equalsPathSegment: -1 } })[0]?.pointer,
      '/p/allow/0/tenant/equalsPathSegment',
    );
  });
});
