import type { ChallengeRequirement, Outcome, Principal, Reason, RequestInfo } from '../model/index.ts';

/** What a policy decides over: who is asking, what they ask, and when. */
export interface PolicyInput {
  /** The authenticated caller; absent for an anonymous request. */
  readonly principal?: Principal | undefined;
  readonly request: RequestInfo;
  /** The decision clock, epoch seconds (injected so tests and `explain` control time). */
  readonly nowSeconds: number;
  /** The route being decided, for CEL (`context.routeId`) and traces. */
  readonly routeId?: string | undefined;
}

/** A policy's answer. Shared, frozen objects: do not mutate. */
export interface PolicyResult {
  readonly outcome: Outcome;
  /** The rule that decided: the allow / challenge rule, or the deny rule that matched. */
  readonly ruleId?: string;
  /** Stable codes from src/model/reasons.ts; a deny names the criterion that failed. */
  readonly reasons: readonly Reason[];
  /** Present when `outcome` is `challenge`: what fresh / stronger authentication would pass. */
  readonly challenge?: ChallengeRequirement;
}

/** A problem in a policy, located by JSON pointer (RFC 6901) into the config document. */
export interface PolicyProblem {
  readonly pointer: string;
  readonly message: string;
}

/** A lint finding for `gatehouse check`: legal but risky or useless policy. */
export interface PolicyWarning {
  readonly pointer: string;
  /** Stable kebab-case code, e.g. `network-only-allow`. */
  readonly code: string;
  readonly message: string;
}

/** Limits applied to `when:` CEL conditions when they are compiled. */
export interface CelLimits {
  /** Longest expression, in characters (default 4096). */
  readonly maxExpressionLength?: number;
  /** Deepest nesting of calls, selections, indexes and aggregates (default 32). */
  readonly maxDepth?: number;
  /** Most AST nodes in one expression (default 1024). */
  readonly maxAstNodes?: number;
  /** Most nested comprehensions (exists / all / map / filter inside one another) (default 2). */
  readonly maxComprehensionDepth?: number;
}

/** One criterion in a trace, with the result it had in this evaluation. */
export interface CriterionTrace {
  /** Criterion name (`groups`), or a combinator (`any`, `all`, `not`). */
  readonly name: string;
  /** JSON pointer of the criterion in the config. */
  readonly pointer: string;
  /** A short summary of the configured argument (never a request value). */
  readonly argument: string;
  /** `true` held, `false` failed, `null` not evaluated (an earlier criterion already failed). */
  readonly passed: boolean | null;
  /** The reason the criterion yields when it fails. */
  readonly reason?: Reason;
  /** Sub-rules of `any` / `all` / `not`. */
  readonly children?: readonly CriterionTrace[];
}

export type RuleTraceResult =
  | 'matched'
  | 'not-matched'
  | 'challenge'
  | 'error'
  | 'unauthenticated'
  | 'not-evaluated';

/** One rule in a trace. */
export interface RuleTrace {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  readonly pointer: string;
  readonly description?: string;
  /**
   * matched: all criteria held (and any challenge was met); challenge: criteria held but the
   * authentication is too old / weak; error: a condition failed to evaluate (a deny rule in
   * error denies); unauthenticated: the rule needs a principal and there is none;
   * not-evaluated: an earlier rule already decided.
   */
  readonly result: RuleTraceResult;
  readonly criteria: readonly CriterionTrace[];
  readonly challenge?: ChallengeRequirement;
}

/** What `gatehouse explain` prints: the decision and how each rule got there. */
export interface Trace {
  readonly routeId?: string;
  readonly policy?: string;
  readonly outcome: Outcome;
  readonly ruleId?: string;
  readonly reasons: readonly Reason[];
  readonly challenge?: ChallengeRequirement;
  /** Deny rules first (they are evaluated first), then allow rules, in config order. */
  readonly rules: readonly RuleTrace[];
}

/** A policy compiled once at config load: evaluation is plain function calls. */
export interface CompiledPolicy {
  /** Name under `policies`, when the policy is a named one. */
  readonly name?: string;
  /** JSON pointer of the policy in the config. */
  readonly pointer: string;
  /** True when some allow rule admits any (authenticated) caller: see isOpenPolicy. */
  readonly open: boolean;
  /** Evaluation errors (CEL failures, unexpected exceptions) since compile; each one failed closed. */
  readonly counters: { readonly internalErrors: number };
  /** Decide. Never throws: an unexpected exception is a deny with `internal-error`. */
  evaluate(input: PolicyInput): PolicyResult;
  /** Decide the same way, recording every rule and criterion (for `gatehouse explain`). */
  explain(input: PolicyInput): Trace;
}
