import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { claimKeys, resolveClaim, someClaimValue } from '../match/claims.ts';
import { compileSafeRegex } from '../match/safe-regex.ts';
import { CriterionConfigError, defineCriterion } from './criterion.ts';

/**
 * `claim: { path, equals | in | matches }` — any verified claim. Comparison is type-sensitive
 * (`true` is not `"true"`); an array claim matches when one of its elements does; `matches`
 * is anchored and applies to string values only.
 */
export const claim = defineCriterion({
  name: 'claim',
  schema: CriteriaSchemas.claim,
  reason: 'claim-unauthorized',
  identity: true,
  cost: 0,
  compile: (arg) => {
    const keys = claimKeys(arg.path);
    let test: (v: unknown) => boolean;
    if (arg.equals !== undefined) {
      const want = arg.equals;
      test = (v) => v === want;
    } else if (arg.in !== undefined) {
      const set = new Set<unknown>(arg.in);
      test = (v) => set.has(v);
    } else {
      const compiled = compileSafeRegex(arg.matches ?? '');
      if (!compiled.ok) throw new CriterionConfigError(compiled.message, '/matches');
      const re = compiled.regex;
      test = (v) => typeof v === 'string' && re.test(v);
    }
    return (ctx) =>
      ctx.principal !== undefined && someClaimValue(resolveClaim(ctx.principal.claims, keys), test);
  },
});
