import assert from 'node:assert/strict';
import { it } from 'node:test';
import { normalisePrefix, pathHasPrefix } from './path-prefix.ts';

it('matches on segment boundaries only', () => {
  assert.equal(pathHasPrefix('/admin', '/admin'), true);
  assert.equal(pathHasPrefix('/admin/', '/admin'), true);
  assert.equal(pathHasPrefix('/admin/x/y', '/admin'), true);
  assert.equal(pathHasPrefix('/administrator', '/admin'), false);
  assert.equal(pathHasPrefix('/admin.html', '/admin'), false);
  assert.equal(pathHasPrefix('/adm', '/admin'), false);
  assert.equal(pathHasPrefix('/Admin', '/admin'), false);
  assert.equal(pathHasPrefix('/a/b', '/a/b/c'), false);
});

it('ignores a trailing slash on the prefix', () => {
  assert.equal(pathHasPrefix('/admin', '/admin/'), true);
  assert.equal(pathHasPrefix('/admin/x', '/admin/'), true);
  assert.equal(pathHasPrefix('/administrator', '/admin/'), false);
  assert.equal(normalisePrefix('/admin//'), '/admin');
  assert.equal(normalisePrefix('///'), '/');
});

it('lets "/" match every path', () => {
  for (const path of ['/', '/x', '//x', '/a/b/c/']) assert.equal(pathHasPrefix(path, '/'), true, path);
});

it('matches nothing for a prefix or path that does not start with "/"', () => {
  assert.equal(pathHasPrefix('/admin', 'admin'), false);
  assert.equal(pathHasPrefix('/admin', ''), false);
  assert.equal(pathHasPrefix('admin', '/'), false);
});

it('treats a repeated slash in the path as a boundary', () => {
  assert.equal(pathHasPrefix('/a//b', '/a'), true);
});
