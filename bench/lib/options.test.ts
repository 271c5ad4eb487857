import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from './options.ts';

test('defaults: 5 s measured, 2 s warm-up, 32 connections, auto load tool', () => {
  const o = parseOptions([]);
  assert.deepEqual(
    [o.json, o.durationS, o.warmupS, o.connections, o.threads, o.loadTool, o.only],
    [false, 5, 2, 32, 1, 'auto', null],
  );
});

test('--quick shortens, an explicit --duration wins', () => {
  assert.deepEqual([parseOptions(['--quick']).durationS, parseOptions(['--quick']).warmupS], [2, 1]);
  assert.equal(parseOptions(['--quick', '--duration', '3']).durationS, 3);
});

test('--only splits names; --json and --connections are read', () => {
  const o = parseOptions(['--json', '--only', 'a, b', '--connections', '64', '--load-tool', 'autocannon']);
  assert.deepEqual([o.json, o.only, o.connections, o.loadTool], [true, ['a', 'b'], 64, 'autocannon']);
});

test('bad values are refused with the option name', () => {
  assert.throws(() => parseOptions(['--duration', '0']), /--duration/);
  assert.throws(() => parseOptions(['--connections', '1.5']), /--connections/);
  assert.throws(() => parseOptions(['--load-tool', 'ab']), /--load-tool/);
  assert.throws(() => parseOptions(['--bogus']));
});

test('--rounds defaults to 1 and must be a whole number', () => {
  assert.equal(parseOptions([]).rounds, 1);
  assert.equal(parseOptions(['--rounds', '3']).rounds, 3);
  assert.throws(() => parseOptions(['--rounds', '0']), /--rounds/);
});
