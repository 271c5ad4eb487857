import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `method: [GET, HEAD]` — HTTP methods, compared upper-case. */
export const method = defineCriterion({
  name: 'method',
  schema: CriteriaSchemas.method,
  reason: 'method-not-allowed',
  identity: false,
  cost: 0,
  compile: (methods) => {
    const allowed = new Set(methods.map((m) => m.toUpperCase()));
    return (ctx) => allowed.has(ctx.request.method);
  },
});
