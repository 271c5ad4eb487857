import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/**
 * `authAge: { maxSeconds }` — the caller authenticated at most this long ago (auth_time).
 * No authentication time -> fails. This denies; to ask the caller to re-authenticate instead,
 * put `challenge: { maxAgeSeconds }` on the rule.
 */
export const authAge = defineCriterion({
  name: 'authAge',
  schema: CriteriaSchemas.authAge,
  reason: 'auth-too-old',
  identity: true,
  cost: 0,
  compile:
    ({ maxSeconds }) =>
    (ctx) => {
      const t = ctx.principal?.authTime;
      return t !== undefined && ctx.nowSeconds - t <= maxSeconds;
    },
});
