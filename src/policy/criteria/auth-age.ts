import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/**
 * `authAge: { maxSeconds }` — the caller authenticated at most this long ago (auth_time).
 * No authentication time, or one in the future (beyond a minute of clock skew; identity
 * sources refuse those already) -> fails. This denies; to ask the caller to re-authenticate
 * instead, put `challenge: { maxAgeSeconds }` on the rule.
 */
const FUTURE_SKEW_SECONDS = 60;

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
      if (t === undefined || !Number.isFinite(t)) return false;
      const age = ctx.nowSeconds - t;
      return age <= maxSeconds && age >= -FUTURE_SKEW_SECONDS;
    },
});
