import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems } from '../testing.ts';

const withHeaders = (headers: Record<string, string | string[]>) => makeInput(undefined, { headers });

describe('header', () => {
  it('equals / in / matches, names case-insensitive', () => {
    const input = withHeaders({ 'x-env': 'staging' });
    assert.equal(ruleAllows({ header: { name: 'X-Env', equals: 'staging' } }, input), true);
    assert.equal(ruleAllows({ header: { name: 'x-env', in: ['prod', 'staging'] } }, input), true);
    assert.equal(ruleAllows({ header: { name: 'x-env', matches: 'stag.*' } }, input), true);
    assert.equal(ruleAllows({ header: { name: 'x-env', matches: 'stag' } }, input), false);
    assert.equal(ruleAllows({ header: { name: 'x-env', equals: 'Staging' } }, input), false);
  });

  it('present true / false', () => {
    assert.equal(
      ruleAllows({ header: { name: 'x-env', present: true } }, withHeaders({ 'x-env': '' })),
      true,
    );
    assert.equal(ruleAllows({ header: { name: 'x-env', present: false } }, withHeaders({})), true);
    assert.equal(
      ruleAllows({ header: { name: 'x-env', present: false } }, withHeaders({ 'x-env': 'a' })),
      false,
    );
  });

  it('a repeated header kept as a list is ambiguous and never equals', () => {
    assert.equal(
      ruleAllows({ header: { name: 'x-env', equals: 'a' } }, withHeaders({ 'x-env': ['a', 'b'] })),
      false,
    );
  });

  it('yields header-unauthorized', () => {
    assert.deepEqual(evaluateRule({ header: { name: 'x-env', equals: 'prod' } }, withHeaders({})).reasons, [
      'no-rule-matched',
      'header-unauthorized',
    ]);
  });

  it('rejects bad names, missing operators and unsafe regexes with pointers', () => {
    assert.equal(
      ruleProblems({ header: { name: 'bad name', equals: 'x' } })[0]?.pointer,
      '/p/allow/0/header/name',
    );
    assert.equal(ruleProblems({ header: { name: 'x' } })[0]?.pointer, '/p/allow/0/header');
    assert.equal(
      ruleProblems({ header: { name: 'x', matches: '(a*)*' } })[0]?.pointer,
      '/p/allow/0/header/matches',
    );
  });
});
