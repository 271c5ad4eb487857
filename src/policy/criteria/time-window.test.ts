import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleConfig } from '../../config/schema-policy.ts';
import { evaluateRule, makeInput, ruleAllows, ruleProblems } from '../testing.ts';

/** Epoch seconds of a UTC wall time. */
const utc = (iso: string) => Date.parse(`${iso}Z`) / 1000;
const at = (iso: string) => makeInput(undefined, {}, utc(iso));

describe('timeWindow', () => {
  it('office hours in Paris, on weekdays (2024-01-15 is a Monday; Paris is UTC+1 in winter)', () => {
    const r: RuleConfig = {
      timeWindow: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        hours: '09:00-18:00',
        timezone: 'Europe/Paris',
      },
    };
    assert.equal(ruleAllows(r, at('2024-01-15T08:00:00')), true); // 09:00 Paris: start inclusive
    assert.equal(ruleAllows(r, at('2024-01-15T07:59:00')), false);
    assert.equal(ruleAllows(r, at('2024-01-15T16:59:59')), true);
    assert.equal(ruleAllows(r, at('2024-01-15T17:00:00')), false); // 18:00 Paris: end exclusive
    assert.equal(ruleAllows(r, at('2024-01-13T10:00:00')), false); // Saturday
  });

  it('follows daylight saving time (Paris is UTC+2 in July)', () => {
    const rule = { timeWindow: { hours: '09:00-18:00', timezone: 'Europe/Paris' } };
    assert.equal(ruleAllows(rule, at('2024-07-15T07:00:00')), true);
    assert.equal(ruleAllows(rule, at('2024-07-15T16:30:00')), false);
  });

  it('the local day counts, not the UTC day', () => {
    // Sunday 23:30 UTC is Monday 08:30 in Tokyo.
    const rule: RuleConfig = { timeWindow: { days: ['mon'], timezone: 'Asia/Tokyo' } };
    assert.equal(ruleAllows(rule, at('2024-01-14T23:30:00')), true);
    assert.equal(ruleAllows(rule, at('2024-01-14T14:00:00')), false);
  });

  it('a window may wrap midnight; default zone UTC', () => {
    const rule = { timeWindow: { hours: '22:00-06:00' } };
    assert.equal(ruleAllows(rule, at('2024-01-15T23:00:00')), true);
    assert.equal(ruleAllows(rule, at('2024-01-15T05:59:00')), true);
    assert.equal(ruleAllows(rule, at('2024-01-15T12:00:00')), false);
  });

  it('yields time-window-closed', () => {
    assert.deepEqual(evaluateRule({ timeWindow: { days: ['sat'] } }, at('2024-01-15T12:00:00')).reasons, [
      'no-rule-matched',
      'time-window-closed',
    ]);
  });

  it('rejects unknown zones, bad ranges and unknown days with pointers', () => {
    assert.equal(
      ruleProblems({ timeWindow: { hours: '09:00-18:00', timezone: 'Mars/Olympus' } })[0]?.pointer,
      '/p/allow/0/timeWindow/timezone',
    );
    assert.equal(ruleProblems({ timeWindow: { hours: '9-18' } })[0]?.pointer, '/p/allow/0/timeWindow/hours');
    assert.equal(
      ruleProblems({ timeWindow: { hours: '24:00-08:00' } })[0]?.pointer,
      '/p/allow/0/timeWindow/hours',
    );
    assert.equal(
      ruleProblems({ timeWindow: { hours: '09:00-09:00' } })[0]?.pointer,
      '/p/allow/0/timeWindow/hours',
    );
    assert.equal(
      ruleProblems({ timeWindow: { days: ['monday'] } })[0]?.pointer,
      '/p/allow/0/timeWindow/days/0',
    );
    assert.equal(ruleProblems({ timeWindow: { timezone: 'UTC' } })[0]?.pointer, '/p/allow/0/timeWindow');
  });
});
