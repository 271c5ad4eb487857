import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

const inGroups = (...groups: string[]) => makeInput(userPrincipal({ groups }));

describe('groups', () => {
  it('anyOf needs one shared group', () => {
    assert.equal(ruleAllows({ groups: { anyOf: ['sre', 'engineering'] } }, inGroups('engineering')), true);
    assert.equal(ruleAllows({ groups: { anyOf: ['sre'] } }, inGroups('engineering')), false);
    assert.equal(ruleAllows({ groups: { anyOf: ['sre'] } }, inGroups()), false);
  });

  it('allOf needs every group', () => {
    assert.equal(ruleAllows({ groups: { allOf: ['a', 'b'] } }, inGroups('b', 'c', 'a')), true);
    assert.equal(ruleAllows({ groups: { allOf: ['a', 'b'] } }, inGroups('a')), false);
  });

  it('is case-sensitive and yields group-unauthorized', () => {
    assert.deepEqual(evaluateRule({ groups: { anyOf: ['SRE'] } }, inGroups('sre')).reasons, [
      'no-rule-matched',
      'group-unauthorized',
    ]);
  });

  it('anonymous callers are unauthenticated, not unauthorized', () => {
    assert.deepEqual(evaluateRule({ groups: { anyOf: ['sre'] } }, makeInput(undefined)).reasons, [
      'no-rule-matched',
      'user-unauthenticated',
    ]);
  });

  it('rejects a bare string, both forms at once, and a misspelt key, each with a pointer', () => {
    assert.equal(ruleProblems({ groups: 'engineering' })[0]?.pointer, '/p/allow/0/groups');
    const both = ruleProblems({ groups: { anyOf: ['a'], allOf: ['b'] } })[0];
    assert.equal(both?.pointer, '/p/allow/0/groups');
    assert.match(both?.message ?? '', /exactly one of anyOf, allOf/);
    assert.equal(ruleProblems({ groups: { anyof: ['a'] } })[0]?.pointer, '/p/allow/0/groups');
    assert.equal(ruleProblems({ groups: { anyOf: [1] } })[0]?.pointer, '/p/allow/0/groups/anyOf/0');
  });
});
