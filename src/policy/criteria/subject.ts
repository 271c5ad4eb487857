import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { asList, defineCriterion } from './criterion.ts';

/** `subject: id | [ids]` — the principal's subject (`sub`, or the SPIFFE ID for mTLS), exact. */
export const subject = defineCriterion({
  name: 'subject',
  schema: CriteriaSchemas.subject,
  reason: 'subject-unauthorized',
  identity: true,
  cost: 0,
  compile: (arg) => {
    const allowed = new Set(asList(arg));
    return (ctx) => ctx.principal !== undefined && allowed.has(ctx.principal.subject);
  },
});
