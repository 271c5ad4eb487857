import type { z } from 'zod';
import type { Reason } from '../../model/index.ts';
import type { EvalContext } from '../eval-context.ts';
import type { CelLimits } from '../types.ts';

/** A compiled criterion: a plain function of the evaluation state. Must not throw. */
export type Matcher = (ctx: EvalContext) => boolean;

/** A configuration problem found while compiling a criterion; `at` is a pointer suffix. */
export class CriterionConfigError extends Error {
  readonly at: string;
  constructor(message: string, at = '') {
    super(message);
    this.name = 'CriterionConfigError';
    this.at = at;
  }
}

/** What a criterion's compile function may use. */
export interface CompileContext {
  /** JSON pointer of the criterion being compiled (for messages that name other places). */
  readonly pointer: string;
  readonly celLimits: Required<CelLimits>;
}

/**
 * One criterion of the policy language. Each lives in its own file under criteria/ and is
 * listed once in registry.ts. The argument has already passed `schema` when `compile` runs;
 * `compile` prepares everything (sets, regexes, CIDR lists, formatters, CEL programs) so the
 * returned matcher only compares.
 */
export interface Criterion<A> {
  /** The key used in a rule, stable: `groups`, `sourceCidr`. */
  readonly name: string;
  /** The argument schema (declared in src/config/schema-policy.ts). */
  readonly schema: z.ZodType<A>;
  /** The reason a failed criterion yields (a function when it depends on the argument). */
  readonly reason: Reason | ((arg: A) => Reason);
  /**
   * Whether the criterion is about the caller's identity. An allow rule holding such a
   * criterion (anywhere, even under `not`) never admits an anonymous request.
   */
  readonly identity: boolean | ((arg: A) => boolean);
  /** Relative cost (0 compare, 1 parse / regex / clock, 2 CEL): cheaper criteria run first. */
  readonly cost: 0 | 1 | 2;
  /** Compile the argument; throw CriterionConfigError for a problem schemas cannot see. */
  compile(arg: A, cx: CompileContext): Matcher;
}

/** Identity helper that keeps the argument type of a criterion definition. */
export function defineCriterion<A>(criterion: Criterion<A>): Criterion<A> {
  return criterion;
}

/** A string or a list of strings, as a list. */
export function asList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}
