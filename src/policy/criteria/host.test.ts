import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems } from '../testing.ts';

const on = (host: string) => makeInput(undefined, { host });

describe('host', () => {
  it('exact (config case-insensitive)', () => {
    assert.equal(ruleAllows({ host: ['App.Example.com'] }, on('app.example.com')), true);
    assert.equal(ruleAllows({ host: ['app.example.com'] }, on('api.example.com')), false);
  });

  it('*.x matches sub-domains, not the apex, not look-alikes', () => {
    const rule = { host: ['*.example.com'] };
    assert.equal(ruleAllows(rule, on('a.example.com')), true);
    assert.equal(ruleAllows(rule, on('a.b.example.com')), true);
    assert.equal(ruleAllows(rule, on('example.com')), false);
    assert.equal(ruleAllows(rule, on('evil-example.com')), false);
    assert.equal(ruleAllows(rule, on('example.com.evil.org')), false);
  });

  it('yields host-unauthorized', () => {
    assert.deepEqual(evaluateRule({ host: ['a.example.com'] }, on('b.example.com')).reasons, [
      'no-rule-matched',
      'host-unauthorized',
    ]);
  });

  it('rejects bad patterns with a pointer at the entry', () => {
    assert.equal(ruleProblems({ host: ['ok.com', 'a.*.com'] })[0]?.pointer, '/p/allow/0/host/1');
    assert.equal(ruleProblems({ host: ['http://x.com'] })[0]?.pointer, '/p/allow/0/host/0');
  });
});
