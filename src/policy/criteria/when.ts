import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { celVariables, compileCel } from '../cel/index.ts';
import { CriterionConfigError, defineCriterion } from './criterion.ts';

/**
 * `when: "<CEL>"` — anything the other criteria cannot say, over `principal`, `request` and
 * `context`. Parsed and type-checked at load. An evaluation error makes the criterion fail
 * and is counted; the engine then fails the whole rule closed (a deny rule in error denies).
 */
export const when = defineCriterion({
  name: 'when',
  schema: CriteriaSchemas.when,
  reason: 'condition-failed',
  // Conservative: any mention of `principal` (even in a string) makes the rule need a caller.
  identity: (expr) => /\bprincipal\b/.test(expr),
  cost: 2,
  compile: (expr, cx) => {
    const compiled = compileCel(expr, cx.celLimits);
    if (!compiled.ok) throw new CriterionConfigError(compiled.message);
    const program = compiled.program;
    return (ctx) => {
      const r = program.run(celVariables(ctx));
      return r === true || (r !== false && ctx.fail(r.message));
    };
  },
});
