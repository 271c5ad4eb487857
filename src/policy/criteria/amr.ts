import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `amr: { anyOf: [...] }` or `{ allOf: [...] }` — authentication methods used (`mfa`, `hwk`, `otp`…). */
export const amr = defineCriterion({
  name: 'amr',
  schema: CriteriaSchemas.amr,
  reason: 'amr-insufficient',
  identity: true,
  cost: 0,
  compile: (arg) => {
    const any = arg.anyOf !== undefined;
    const wanted = arg.anyOf ?? arg.allOf ?? [];
    return (ctx) => {
      const have = ctx.principal?.amr;
      if (!have) return false;
      return any ? wanted.some((m) => have.includes(m)) : wanted.every((m) => have.includes(m));
    };
  },
});
