import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mergeSlashes, removeDotSegments } from './dot-segments.ts';

it('removes dot segments as RFC 3986 §5.2.4 does', () => {
  const cases: [string, string][] = [
    ['/a/b/c/./../../g', '/a/g'], // RFC 3986 §5.2.4 example
    ['/', '/'],
    ['/.', '/'],
    ['/..', '/'],
    ['/../..', '/'],
    ['/a/..', '/'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/./b/../c', '/a/c'],
    ['/a//../b', '/a/b'], // '..' removes the empty segment, as the RFC's output buffer does
    ['//..', '/'],
    ['/.//', '//'],
    ['/...', '/...'],
    ['/a/.b/..c/', '/a/.b/..c/'],
    ['/.gatehouse/auth', '/.gatehouse/auth'],
    ['/.well-known/../x', '/x'], // a dotted name before a dot segment
    ['/a/.b/./c', '/a/.b/c'],
    ['/a/..b/..', '/a/'],
  ];
  for (const [input, output] of cases) assert.equal(removeDotSegments(input), output, input);
});

it('merges runs of slashes', () => {
  assert.equal(mergeSlashes('//a///b/'), '/a/b/');
  assert.equal(mergeSlashes('/a/b'), '/a/b');
  assert.equal(mergeSlashes('//'), '/');
});
