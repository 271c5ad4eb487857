import type { Principal } from './principal.ts';
import type { Reason } from './reasons.ts';

export type Outcome = 'allow' | 'deny' | 'challenge';

/** What a challenge asks the caller to do before it may proceed. */
export interface ChallengeRequirement {
  /** Maximum authentication age in seconds. */
  readonly maxAgeSeconds?: number;
  readonly acr?: readonly string[];
  readonly amr?: readonly string[];
}

/**
 * The result of `decide()`. A denial is a value, not an exception: `reasons` are codes
 * from the closed list in reasons.ts.
 */
export interface Decision {
  readonly outcome: Outcome;
  /** `enforce` unless the route runs in audit mode; then a deny is let through as `would-deny`. */
  readonly mode: 'enforce' | 'audit';
  readonly reasons: readonly Reason[];
  readonly routeId?: string;
  readonly ruleId?: string;
  readonly principal?: Principal;
  readonly challenge?: ChallengeRequirement;
  /** Internal detail for the audit log (never sent to a client). */
  readonly detail?: string;
}
