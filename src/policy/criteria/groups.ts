import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `groups: { anyOf: [...] }` or `{ allOf: [...] }` — group names, case-sensitive. */
export const groups = defineCriterion({
  name: 'groups',
  schema: CriteriaSchemas.groups,
  reason: 'group-unauthorized',
  identity: true,
  cost: 0,
  compile: (arg) => {
    if (arg.anyOf) {
      const wanted = new Set(arg.anyOf);
      return (ctx) => {
        const have = ctx.principal?.groups;
        if (!have) return false;
        for (const g of have) if (wanted.has(g)) return true;
        return false;
      };
    }
    const required = [...new Set(arg.allOf ?? [])];
    return (ctx) => {
      const have = ctx.principal?.groups;
      if (!have) return false;
      for (const g of required) if (!have.includes(g)) return false;
      return true;
    };
  },
});
