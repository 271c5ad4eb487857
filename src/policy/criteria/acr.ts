import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `acr: [values]` — the authentication context class is one of these. */
export const acr = defineCriterion({
  name: 'acr',
  schema: CriteriaSchemas.acr,
  reason: 'acr-insufficient',
  identity: true,
  cost: 0,
  compile: (values) => {
    const allowed = new Set(values);
    return (ctx) => {
      const v = ctx.principal?.acr;
      return v !== undefined && allowed.has(v);
    };
  },
});
