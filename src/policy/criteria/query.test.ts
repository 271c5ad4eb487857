import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems } from '../testing.ts';

const withQuery = (query: string) => makeInput(undefined, { query });

describe('query', () => {
  it('equals / in / present, with URL decoding', () => {
    assert.equal(ruleAllows({ query: { name: 'view', equals: 'a b' } }, withQuery('x=1&view=a%20b')), true);
    assert.equal(ruleAllows({ query: { name: 'view', in: ['x', 'y'] } }, withQuery('view=y')), true);
    assert.equal(ruleAllows({ query: { name: 'debug', present: true } }, withQuery('debug')), true);
    assert.equal(ruleAllows({ query: { name: 'debug', present: false } }, withQuery('')), true);
    assert.equal(ruleAllows({ query: { name: 'debug', present: false } }, withQuery('debug=1')), false);
  });

  it('a repeated parameter never equals (parameter pollution)', () => {
    assert.equal(
      ruleAllows({ query: { name: 'tenant', equals: 'a' } }, withQuery('tenant=a&tenant=b')),
      false,
    );
    assert.equal(
      ruleAllows({ query: { name: 'tenant', in: ['a', 'b'] } }, withQuery('tenant=a&tenant=a')),
      false,
    );
  });

  it('yields query-unauthorized', () => {
    assert.deepEqual(evaluateRule({ query: { name: 'v', equals: '1' } }, withQuery('v=2')).reasons, [
      'no-rule-matched',
      'query-unauthorized',
    ]);
  });

  it('rejects missing name and operator with pointers', () => {
    assert.equal(ruleProblems({ query: { equals: 'x' } })[0]?.pointer, '/p/allow/0/query/name');
    assert.equal(ruleProblems({ query: { name: 'x', matches: 'y' } })[0]?.pointer, '/p/allow/0/query');
  });
});
