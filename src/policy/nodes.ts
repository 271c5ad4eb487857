import type { ChallengeRequirement, Reason } from '../model/index.ts';
import type { Matcher } from './criteria/criterion.ts';
import type { PolicyResult } from './types.ts';

/**
 * The compiled form of a policy: a tree of plain functions and precomputed, frozen results.
 * compile.ts builds it; engine.ts walks it (the same walk for `evaluate` and `explain`).
 */

interface NodeBase {
  /** Criterion name, or `any` / `all` / `not` / `rule` (a sub-rule of any / all). */
  readonly name: string;
  readonly pointer: string;
  /** Summary of the configured argument, for traces. */
  readonly argument: string;
  /** The reason this node yields when it fails (for a group: its first criterion's). */
  readonly reason: Reason;
  /** Whether the node is about the caller's identity (see Criterion.identity). */
  readonly identity: boolean;
  readonly cost: number;
}

export interface CriterionNode extends NodeBase {
  readonly type: 'criterion';
  readonly match: Matcher;
}

export interface GroupNode extends NodeBase {
  readonly type: 'all' | 'any';
  readonly children: readonly PolicyNode[];
}

export interface NotNode extends NodeBase {
  readonly type: 'not';
  readonly child: PolicyNode;
}

export type PolicyNode = CriterionNode | GroupNode | NotNode;

export interface CompiledChallenge {
  readonly requirement: ChallengeRequirement;
  readonly maxAgeSeconds: number | undefined;
  readonly acr: ReadonlySet<string> | undefined;
  readonly amr: ReadonlySet<string> | undefined;
  /** Result per failure mask (1 too old, 2 acr, 4 amr); index 0 unused. */
  readonly results: readonly PolicyResult[];
}

export interface CompiledRule {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  readonly pointer: string;
  readonly description: string | undefined;
  /** Top-level criteria and combinators, cheapest first; all must hold. */
  readonly body: readonly PolicyNode[];
  /** An allow rule about identity (or with a challenge) never admits an anonymous caller. */
  readonly requiresPrincipal: boolean;
  readonly challenge: CompiledChallenge | undefined;
  /** The result when this rule decides: allow, or deny for a deny rule. */
  readonly matched: PolicyResult;
  /** A deny rule whose evaluation failed: deny, fail closed. */
  readonly errored: PolicyResult;
}

export interface PolicyProgram {
  readonly name: string | undefined;
  readonly pointer: string;
  readonly deny: readonly CompiledRule[];
  readonly allow: readonly CompiledRule[];
}

/** A frozen result; results are shared between evaluations. */
export function result(
  outcome: PolicyResult['outcome'],
  reasons: readonly Reason[],
  ruleId?: string,
  challenge?: ChallengeRequirement,
): PolicyResult {
  return Object.freeze({
    outcome,
    reasons: Object.freeze([...reasons]),
    ...(ruleId !== undefined ? { ruleId } : {}),
    ...(challenge !== undefined ? { challenge } : {}),
  });
}

const noMatch = new Map<Reason | undefined, PolicyResult>();

/** `deny` with `no-rule-matched` and the failed criterion of the closest rule, cached per reason. */
export function noRuleMatched(reason: Reason | undefined): PolicyResult {
  let r = noMatch.get(reason);
  if (!r) {
    r = result(
      'deny',
      reason && reason !== 'no-rule-matched' ? ['no-rule-matched', reason] : ['no-rule-matched'],
    );
    noMatch.set(reason, r);
  }
  return r;
}

export const INTERNAL_ERROR: PolicyResult = result('deny', ['internal-error']);
