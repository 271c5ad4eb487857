import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, makeInput, ruleAllows, ruleProblems } from '../testing.ts';

const at = (path: string) => makeInput(undefined, { path });

describe('path', () => {
  it('exact', () => {
    assert.equal(ruleAllows({ path: { exact: '/health' } }, at('/health')), true);
    assert.equal(ruleAllows({ path: { exact: '/health' } }, at('/health/')), false);
  });

  it('prefix ends on a segment boundary', () => {
    const rule = { path: { prefix: '/admin' } };
    assert.equal(ruleAllows(rule, at('/admin')), true);
    assert.equal(ruleAllows(rule, at('/admin/')), true);
    assert.equal(ruleAllows(rule, at('/admin/users/1')), true);
    assert.equal(ruleAllows(rule, at('/administrator')), false);
    assert.equal(ruleAllows(rule, at('/Admin')), false);
    assert.equal(ruleAllows({ path: { prefix: '/' } }, at('/anything')), true);
  });

  it('glob: * within a segment, ** across segments', () => {
    assert.equal(ruleAllows({ path: { glob: '/api/*/items' } }, at('/api/v1/items')), true);
    assert.equal(ruleAllows({ path: { glob: '/api/*/items' } }, at('/api/v1/x/items')), false);
    assert.equal(ruleAllows({ path: { glob: '/api/**/items' } }, at('/api/v1/x/items')), true);
    assert.equal(ruleAllows({ path: { glob: '/files/*.pdf' } }, at('/files/report.pdf')), true);
    assert.equal(ruleAllows({ path: { glob: '/files/*.pdf' } }, at('/files/a/report.pdf')), false);
  });

  it('yields path-unauthorized', () => {
    assert.deepEqual(evaluateRule({ path: { prefix: '/admin' } }, at('/other')).reasons, [
      'no-rule-matched',
      'path-unauthorized',
    ]);
  });

  it('rejects relative paths, two forms, and a string, with pointers', () => {
    assert.equal(ruleProblems({ path: { prefix: 'admin' } })[0]?.pointer, '/p/allow/0/path/prefix');
    assert.equal(ruleProblems({ path: { prefix: '/a', exact: '/a' } })[0]?.pointer, '/p/allow/0/path');
    assert.equal(ruleProblems({ path: '/admin' })[0]?.pointer, '/p/allow/0/path');
  });
});
