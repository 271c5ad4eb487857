import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { foldHeaderName, headerValues, singleHeader } from '../match/request-values.ts';
import { compileSafeRegex } from '../match/safe-regex.ts';
import { CriterionConfigError, defineCriterion } from './criterion.ts';

/**
 * `header: { name, equals | in | matches | present }`. Names are case-insensitive, and `_`
 * reads as `-`. A header sent more than once (in any spelling) is ambiguous: the rule that
 * reads it fails closed (a deny rule applies, an allow rule does not).
 */
export const header = defineCriterion({
  name: 'header',
  schema: CriteriaSchemas.header,
  reason: 'header-unauthorized',
  identity: false,
  cost: 0,
  compile: (arg) => {
    const name = foldHeaderName(arg.name);
    if (arg.present !== undefined) {
      const want = arg.present;
      return (ctx) => headerValues(ctx, name).length > 0 === want;
    }
    let test: (v: string) => boolean;
    if (arg.equals !== undefined) {
      const want = arg.equals;
      test = (v) => v === want;
    } else if (arg.in !== undefined) {
      const set = new Set(arg.in);
      test = (v) => set.has(v);
    } else {
      const compiled = compileSafeRegex(arg.matches ?? '');
      if (!compiled.ok) throw new CriterionConfigError(compiled.message, '/matches');
      const re = compiled.regex;
      test = (v) => re.test(v);
    }
    return (ctx) => {
      const v = singleHeader(ctx, name);
      return v !== undefined && test(v);
    };
  },
});
