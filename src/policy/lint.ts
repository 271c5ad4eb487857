import { isDeepStrictEqual } from 'node:util';
import type { PolicyConfig, RuleConfig } from '../config/schema-policy.ts';
import { criterionNamed } from './criteria/registry.ts';
import { criteriaKeys, isOpenRule } from './open.ts';
import { escapePointer } from './pointer.ts';
import type { PolicyWarning } from './types.ts';

/**
 * Risky or useless policy that is still legal, for `gatehouse check`. Conservative and
 * syntactic: a warning always points at a real problem; silence proves nothing.
 *
 * Codes: no-allow-rules, empty-list, network-only-allow, open-rule, unreachable-rule,
 * shadowed-allow.
 */
export function lintPolicy(config: PolicyConfig, pointer: string): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  const warn = (at: string, code: string, message: string) => warnings.push({ pointer: at, code, message });
  const allow = config.allow ?? [];
  const deny = config.deny ?? [];

  if (allow.length === 0)
    warn(pointer, 'no-allow-rules', 'the policy has no allow rules: it denies every request');

  for (const [i, r] of deny.entries()) emptyLists(r, `${pointer}/deny/${i}`, warn);
  for (const [i, r] of allow.entries()) emptyLists(r, `${pointer}/allow/${i}`, warn);

  allow.forEach((rule, i) => {
    const at = `${pointer}/allow/${i}`;
    const name = rule.id ?? `allow[${i}]`;
    if (rule.sourceCidr !== undefined && !mentionsIdentity(rule)) {
      warn(
        at,
        'network-only-allow',
        `allow rule "${name}" grants by network address alone: a network may narrow a rule, never grant alone; add an identity criterion (groups, subject, spiffeId…)`,
      );
    }
    if (isOpenRule(rule)) {
      warn(
        at,
        'open-rule',
        rule.authenticated === true
          ? `allow rule "${name}" admits any authenticated caller`
          : `allow rule "${name}" has no identity criteria: it admits anyone`,
      );
    }
  });

  unreachable(allow, `${pointer}/allow`, 'allow', warn);
  unreachable(deny, `${pointer}/deny`, 'deny', warn);

  allow.forEach((rule, i) => {
    for (const [j, d] of deny.entries()) {
      if (covers(d, rule)) {
        warn(
          `${pointer}/allow/${i}`,
          'shadowed-allow',
          `allow rule "${rule.id ?? `allow[${i}]`}" can never allow: deny rule "${d.id ?? `deny[${j}]`}" matches every request it matches`,
        );
        break;
      }
    }
  });
  return warnings;
}

/** Rules after one with no criteria at all never change the outcome. */
function unreachable(
  rules: readonly RuleConfig[],
  base: string,
  effect: string,
  warn: (at: string, code: string, message: string) => void,
): void {
  const first = rules.findIndex(
    (r) => criteriaKeys(r).length === 0 && (effect === 'deny' || r.challenge === undefined),
  );
  if (first < 0) return;
  for (let i = first + 1; i < rules.length; i++) {
    warn(
      `${base}/${i}`,
      'unreachable-rule',
      `${effect} rule "${rules[i]!.id ?? `${effect}[${i}]`}" is unreachable: ${effect} rule "${rules[first]!.id ?? `${effect}[${first}]`}" before it matches every request`,
    );
  }
}

/** The deny rule's criteria are a subset of the allow rule's (deep-equal), so it matches whenever the allow does. */
function covers(deny: RuleConfig, allow: RuleConfig): boolean {
  const d = deny as Record<string, unknown>;
  const a = allow as Record<string, unknown>;
  return criteriaKeys(deny).every((k) => Object.hasOwn(a, k) && isDeepStrictEqual(d[k], a[k]));
}

/** Whether the rule (or a sub-rule) asks who the caller is. */
function mentionsIdentity(rule: RuleConfig): boolean {
  for (const key of criteriaKeys(rule)) {
    const value = (rule as Record<string, unknown>)[key];
    if (key === 'any' || key === 'all') {
      if ((value as RuleConfig[]).some(mentionsIdentity)) return true;
      continue;
    }
    if (key === 'not') continue; // "not this person" does not say who may come in
    if (key === 'authenticated') {
      if (value === true) return true;
      continue;
    }
    const c = criterionNamed(key);
    if (c && (typeof c.identity === 'function' ? c.identity(value) : c.identity)) return true;
  }
  return false;
}

/** Warn for every empty list inside a rule: it matches nothing (any) or everything (all). */
function emptyLists(
  rule: RuleConfig,
  at: string,
  warn: (at: string, code: string, message: string) => void,
): void {
  for (const key of criteriaKeys(rule)) {
    const value = (rule as Record<string, unknown>)[key];
    const keyAt = `${at}/${escapePointer(key)}`;
    if (key === 'any' || key === 'all') {
      const subs = value as RuleConfig[];
      if (subs.length === 0) {
        warn(keyAt, 'empty-list', key === 'any' ? 'empty any: never holds' : 'empty all: always holds');
      }
      for (const [i, sub] of subs.entries()) emptyLists(sub, `${keyAt}/${i}`, warn);
    } else if (key === 'not') {
      emptyLists(value as RuleConfig, keyAt, warn);
    } else {
      findEmpty(value, keyAt, (p) => warn(p, 'empty-list', `empty list in ${key}: it matches nothing`));
    }
  }
}

function findEmpty(value: unknown, at: string, found: (pointer: string) => void): void {
  if (Array.isArray(value)) {
    if (value.length === 0) found(at);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) findEmpty(v, `${at}/${escapePointer(k)}`, found);
  }
}
