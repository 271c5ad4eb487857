import type { ParseResult } from '@marcbachmann/cel-js';
import type { CelLimits } from '../types.ts';
import { checkAst } from './checks.ts';
import { celEnvironment } from './environment.ts';
import type { CelVariables } from './variables.ts';

/**
 * `when:` conditions in CEL, behind this one door so the library (`@marcbachmann/cel-js`,
 * pinned) can be replaced without touching the policy compiler. An expression is parsed and
 * type-checked once, at load; evaluating it is one call over prepared variables.
 */

export { type CelVariables, celVariables } from './variables.ts';

export const DEFAULT_CEL_LIMITS: Required<CelLimits> = Object.freeze({
  maxExpressionLength: 4096,
  maxDepth: 32,
  maxAstNodes: 1024,
  maxComprehensionDepth: 2,
});

export interface CelProgram {
  readonly source: string;
  /** The expression reads `principal` (so an allow rule using it needs an authenticated caller). */
  readonly referencesPrincipal: boolean;
  /** true / false, or the reason evaluation failed (an exception, or a result that is not a bool). Never throws. */
  run(vars: CelVariables): boolean | CelRuntimeFailure;
  /** `run`, with a failure read as false. */
  evaluate(vars: CelVariables): boolean;
}

export interface CelRuntimeFailure {
  readonly message: string;
}

export type CelCompileResult =
  | { readonly ok: true; readonly program: CelProgram }
  | { readonly ok: false; readonly message: string };

/** Parse, type-check and bound `expr` under `limits` (defaults: DEFAULT_CEL_LIMITS). */
export function compileCel(expr: string, limits: CelLimits = {}): CelCompileResult {
  const l = { ...DEFAULT_CEL_LIMITS, ...limits };
  if (expr.length > l.maxExpressionLength) {
    return {
      ok: false,
      message: `CEL expression is ${expr.length} characters; the limit is ${l.maxExpressionLength}`,
    };
  }
  let parsed: ParseResult;
  try {
    parsed = celEnvironment(l).parse(expr);
  } catch (err) {
    return { ok: false, message: `CEL syntax: ${describe(err)}` };
  }
  const facts = checkAst(parsed.ast, l.maxComprehensionDepth);
  if ('problem' in facts) return { ok: false, message: `CEL: ${facts.problem}` };
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, message: `CEL type check: ${describe(checked.error)}` };
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { ok: false, message: `CEL condition must be a bool expression, not ${checked.type}` };
  }
  const run = (vars: CelVariables): boolean | CelRuntimeFailure => {
    try {
      const value: unknown = parsed(vars);
      return typeof value === 'boolean'
        ? value
        : { message: `CEL condition returned ${typeof value}, not a bool` };
    } catch (err) {
      return { message: `CEL evaluation: ${describe(err)}` };
    }
  };
  return {
    ok: true,
    program: {
      source: expr,
      referencesPrincipal: facts.referencesPrincipal,
      run,
      evaluate: (vars) => run(vars) === true,
    },
  };
}

/** The first line of a CEL error (the rest is a source excerpt with a caret), with its column. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split('\n')[0] ?? err.message;
  const range = (err as { range?: { start: number } }).range;
  return range ? `${first} (at column ${range.start + 1})` : first;
}
