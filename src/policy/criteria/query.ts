import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { queryParams, singleQuery } from '../match/request-values.ts';
import { defineCriterion } from './criterion.ts';

/**
 * `query: { name, equals | in | present }`. A repeated parameter (`?a=1&a=2`, parameter
 * pollution) or a query holding `;` is ambiguous: the upstream may read it another way, so
 * the rule that reads it fails closed (a deny rule applies, an allow rule does not).
 */
export const query = defineCriterion({
  name: 'query',
  schema: CriteriaSchemas.query,
  reason: 'query-unauthorized',
  identity: false,
  cost: 1,
  compile: (arg) => {
    const name = arg.name;
    if (arg.present !== undefined) {
      const want = arg.present;
      return (ctx) => queryParams(ctx).has(name) === want;
    }
    if (arg.equals !== undefined) {
      const want = arg.equals;
      return (ctx) => singleQuery(ctx, name) === want;
    }
    const set = new Set(arg.in);
    return (ctx) => {
      const v = singleQuery(ctx, name);
      return v !== undefined && set.has(v);
    };
  },
});
