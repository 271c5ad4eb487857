import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob } from './glob.ts';

describe('path glob', () => {
  it('literal segments match exactly', () => {
    const g = compileGlob('/a/b');
    assert.equal(g('/a/b'), true);
    assert.equal(g('/a/b/'), false);
    assert.equal(g('/a'), false);
  });

  it('* matches exactly one non-empty segment', () => {
    const g = compileGlob('/ns/*/sa/*');
    assert.equal(g('/ns/ci/sa/deployer'), true);
    assert.equal(g('/ns/ci/x/sa/deployer'), false);
    assert.equal(g('/ns//sa/deployer'), false);
    assert.equal(g('/ns/ci/sa/'), false);
  });

  it('* inside a segment stays inside it', () => {
    const g = compileGlob('/sa-*-prod/x');
    assert.equal(g('/sa-api-prod/x'), true);
    assert.equal(g('/sa--prod/x'), true);
    assert.equal(g('/sa-a/b-prod/x'), false);
    assert.equal(compileGlob('/a*b*c')('/abxc'), true);
    assert.equal(compileGlob('/a*b*c')('/acb'), false);
  });

  it('** matches any number of segments, zero included', () => {
    const g = compileGlob('/api/**/items');
    assert.equal(g('/api/items'), true);
    assert.equal(g('/api/v1/items'), true);
    assert.equal(g('/api/v1/x/y/items'), true);
    assert.equal(g('/api/v1/items/1'), false);
    assert.equal(compileGlob('/**')('/'), true);
    assert.equal(compileGlob('/ns/**')('/ns'), true);
    assert.equal(compileGlob('/ns/**')('/nsx/a'), false);
  });

  it('several ** groups match in order', () => {
    const g = compileGlob('/**/a/**/b/**');
    assert.equal(g('/x/a/y/b/z'), true);
    assert.equal(g('/a/b'), true);
    assert.equal(g('/b/a'), false);
  });

  it('stays linear on adversarial input', () => {
    const g = compileGlob('/**/a/**/a/**/a/**/c');
    const path = `/${'a/'.repeat(20_000)}b`;
    const start = process.hrtime.bigint();
    assert.equal(g(path), false);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 500, `took ${ms} ms`);
  });
});
