import type { Reason } from '../model/index.ts';
import type { EvalContext } from './eval-context.ts';
import {
  type CompiledChallenge,
  type CompiledRule,
  noRuleMatched,
  type PolicyNode,
  type PolicyProgram,
} from './nodes.ts';
import type { PolicyResult, RuleTraceResult } from './types.ts';

/**
 * The one evaluation walk. `evaluate` calls it without a recorder; `explain` calls it with
 * one, so the trace cannot disagree with the decision: same nodes, same order, same
 * short-circuits.
 *
 * Semantics:
 * - Deny rules first, in order: the first that matches decides (deny wins). A deny rule
 *   whose evaluation raised an error denies too (fail closed).
 * - Then allow rules, in order: the first that matches (and whose challenge, if any, is met)
 *   allows. An allow rule about identity never admits an anonymous caller.
 * - No allow: the first challenge met on the way, if any; else deny `no-rule-matched` with
 *   `user-unauthenticated` when logging in could help, or else the failed criterion of the
 *   closest rule (the one that got furthest before failing).
 */

export interface Recorder {
  node(node: PolicyNode, passed: boolean, errored: boolean): void;
  rule(rule: CompiledRule, result: RuleTraceResult): void;
}

/** Decide. Exceptions propagate to the caller (see compile.ts, which fails closed). */
export function run(program: PolicyProgram, ctx: EvalContext, rec: Recorder | undefined): PolicyResult {
  for (const rule of program.deny) {
    const before = ctx.errors;
    const ambiguousBefore = ctx.ambiguities;
    const passed = testBody(rule.body, ctx, rec);
    if (ctx.errors !== before) {
      rec?.rule(rule, 'error');
      return rule.errored;
    }
    // the rule read a value the request states ambiguously: it applies (fail closed)
    if (passed < 0 || ctx.ambiguities !== ambiguousBefore) {
      rec?.rule(rule, 'matched');
      return rule.matched;
    }
    rec?.rule(rule, 'not-matched');
  }

  let challenge: PolicyResult | undefined;
  let loginMayHelp = false;
  let bestPassed = -1;
  let bestReason: Reason | undefined;
  for (const rule of program.allow) {
    if (rule.requiresPrincipal && ctx.principal === undefined) {
      loginMayHelp = true;
      rec?.rule(rule, 'unauthenticated');
      continue;
    }
    const before = ctx.errors;
    const ambiguousBefore = ctx.ambiguities;
    const passed = testBody(rule.body, ctx, rec);
    if (ctx.errors !== before) {
      rec?.rule(rule, 'error');
      if (passed >= bestPassed) {
        bestPassed = passed < 0 ? rule.body.length : passed;
        bestReason = 'internal-error';
      }
      continue;
    }
    if (ctx.ambiguities !== ambiguousBefore) {
      // the rule read a value the request states ambiguously: it does not allow (fail closed),
      // failing as its criterion does (or as an invalid request when a `not` turned it around)
      rec?.rule(rule, 'not-matched');
      if (passed < 0) {
        if (rule.body.length >= bestPassed) {
          bestPassed = rule.body.length;
          bestReason = 'request-invalid';
        }
      } else if (passed > bestPassed) {
        bestPassed = passed;
        bestReason = ctx.failReason;
      }
      continue;
    }
    if (passed < 0) {
      const mask = rule.challenge ? challengeMask(rule.challenge, ctx) : 0;
      if (mask === 0) {
        rec?.rule(rule, 'matched');
        return rule.matched;
      }
      rec?.rule(rule, 'challenge');
      challenge ??= rule.challenge?.results[mask];
      continue;
    }
    rec?.rule(rule, 'not-matched');
    if (passed > bestPassed) {
      bestPassed = passed;
      bestReason = ctx.failReason;
    }
  }
  if (challenge) return challenge;
  return noRuleMatched(loginMayHelp ? 'user-unauthenticated' : bestReason);
}

/** -1 when every node holds; otherwise how many held before the first failure (its reason in ctx.failReason). */
function testBody(body: readonly PolicyNode[], ctx: EvalContext, rec: Recorder | undefined): number {
  for (let i = 0; i < body.length; i++) if (!test(body[i]!, ctx, rec)) return i;
  return -1;
}

/** Whether `node` holds. On failure, ctx.failReason says why. */
export function test(node: PolicyNode, ctx: EvalContext, rec: Recorder | undefined): boolean {
  const errorsBefore = ctx.errors;
  let ok: boolean;
  switch (node.type) {
    case 'criterion':
      ok = node.match(ctx);
      if (!ok) ctx.failReason = failureReason(node, ctx, errorsBefore);
      break;
    case 'all':
      ok = true;
      for (const child of node.children) {
        if (!test(child, ctx, rec)) {
          ok = false;
          break;
        }
      }
      break;
    case 'any':
      ok = false;
      for (const child of node.children) {
        if (test(child, ctx, rec)) {
          ok = true;
          break;
        }
      }
      if (!ok) ctx.failReason = failureReason(node, ctx, errorsBefore);
      break;
    case 'not':
      ok = !test(node.child, ctx, rec);
      if (!ok) ctx.failReason = failureReason(node, ctx, errorsBefore);
      break;
  }
  rec?.node(node, ok, ctx.errors !== errorsBefore);
  return ok;
}

function failureReason(node: PolicyNode, ctx: EvalContext, errorsBefore: number): Reason {
  if (ctx.errors !== errorsBefore) return 'internal-error';
  if (node.identity && ctx.principal === undefined) return 'user-unauthenticated';
  return node.reason;
}

const FUTURE_AUTH_SKEW_SECONDS = 60;

/** 0 when the principal meets the challenge; otherwise bits: 1 too old, 2 acr, 4 amr. */
function challengeMask(c: CompiledChallenge, ctx: EvalContext): number {
  const p = ctx.principal;
  if (!p) return 7;
  let mask = 0;
  if (c.maxAgeSeconds !== undefined) {
    const age = p.authTime === undefined ? Number.NaN : ctx.nowSeconds - p.authTime;
    // a missing or non-finite time, or one in the future (beyond a minute of skew), is not fresh
    if (!(age <= c.maxAgeSeconds && age >= -FUTURE_AUTH_SKEW_SECONDS)) mask |= 1;
  }
  if (c.acr && (p.acr === undefined || !c.acr.has(p.acr))) mask |= 2;
  if (c.amr && !p.amr?.some((m) => c.amr?.has(m))) mask |= 4;
  return mask;
}
