import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { asList, defineCriterion } from './criterion.ts';

/** `issuer: url | [urls]` — token `iss`, OIDC issuer, or `spiffe://trust-domain` for mTLS; exact. */
export const issuer = defineCriterion({
  name: 'issuer',
  schema: CriteriaSchemas.issuer,
  reason: 'issuer-unauthorized',
  identity: true,
  cost: 0,
  compile: (arg) => {
    const allowed = new Set(asList(arg));
    return (ctx) => ctx.principal !== undefined && allowed.has(ctx.principal.issuer);
  },
});
