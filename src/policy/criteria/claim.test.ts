import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems, userPrincipal } from '../testing.ts';

const withClaims = (claims: Record<string, unknown>) => makeInput(userPrincipal({ claims }));

describe('claim', () => {
  it('equals walks a dotted path and compares by type', () => {
    const input = withClaims({ employment: { type: 'employee', level: 3, remote: true } });
    assert.equal(ruleAllows({ claim: { path: 'employment.type', equals: 'employee' } }, input), true);
    assert.equal(ruleAllows({ claim: { path: 'employment.level', equals: 3 } }, input), true);
    assert.equal(ruleAllows({ claim: { path: 'employment.level', equals: '3' } }, input), false);
    assert.equal(ruleAllows({ claim: { path: 'employment.remote', equals: 'true' } }, input), false);
    assert.equal(ruleAllows({ claim: { path: 'employment.missing', equals: 'x' } }, input), false);
  });

  it('in and array claims: any element may match', () => {
    const input = withClaims({ roles: ['viewer', 'editor'] });
    assert.equal(ruleAllows({ claim: { path: 'roles', equals: 'editor' } }, input), true);
    assert.equal(ruleAllows({ claim: { path: 'roles', in: ['admin', 'viewer'] } }, input), true);
    assert.equal(ruleAllows({ claim: { path: 'roles', in: ['admin'] } }, input), false);
  });

  it('a list path names keys holding dots', () => {
    const input = withClaims({ 'https://example.com/roles': ['admin'] });
    assert.equal(
      ruleAllows({ claim: { path: ['https://example.com/roles'], equals: 'admin' } }, input),
      true,
    );
  });

  it('matches is anchored', () => {
    const input = withClaims({ dept: 'eng-platform' });
    assert.equal(ruleAllows({ claim: { path: 'dept', matches: 'eng-[a-z]+' } }, input), true);
    assert.equal(ruleAllows({ claim: { path: 'dept', matches: 'eng' } }, input), false);
    assert.equal(ruleAllows({ claim: { path: 'dept', matches: 'platform' } }, input), false);
  });

  it('never walks the prototype chain', () => {
    assert.equal(
      ruleAllows({ claim: { path: 'constructor.name', equals: 'Object' } }, withClaims({})),
      false,
    );
    assert.equal(ruleAllows({ claim: { path: '__proto__', equals: 'x' } }, withClaims({})), false);
  });

  it('yields claim-unauthorized', () => {
    assert.deepEqual(evaluateRule({ claim: { path: 'a', equals: 'x' } }, withClaims({ a: 'y' })).reasons, [
      'no-rule-matched',
      'claim-unauthorized',
    ]);
  });

  it('refuses unsafe or oversized regexes and bad shapes at load, with pointers', () => {
    for (const matches of ['(a)\\1', '(?=a)a', '(?<!a)b', '(a+)+', '(x|xy)*', 'a'.repeat(513)]) {
      const p = ruleProblems({ claim: { path: 'a', matches } })[0];
      assert.equal(p?.pointer, '/p/allow/0/claim/matches', matches);
    }
    assert.match(
      ruleProblems({ claim: { path: 'a', matches: '[' } })[0]?.message ?? '',
      /invalid regular expression/,
    );
    assert.equal(ruleProblems({ claim: { path: 'a' } })[0]?.pointer, '/p/allow/0/claim');
    assert.equal(
      ruleProblems({ claim: { path: 'a', equals: 'x', in: ['y'] } })[0]?.pointer,
      '/p/allow/0/claim',
    );
    assert.equal(ruleProblems({ claim: { path: 'a..b', equals: 'x' } })[0]?.pointer, '/p/allow/0/claim/path');
    assert.equal(
      ruleProblems({ claim: { path: 'a', equals: { x: 1 } } })[0]?.pointer,
      '/p/allow/0/claim/equals',
    );
  });
});
