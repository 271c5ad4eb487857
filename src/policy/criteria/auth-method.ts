import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `authMethod: [session | jwt | mtls]` — how the caller proved who it is. */
export const authMethod = defineCriterion({
  name: 'authMethod',
  schema: CriteriaSchemas.authMethod,
  reason: 'auth-method-unauthorized',
  identity: true,
  cost: 0,
  compile: (methods) => {
    const allowed = new Set<string>(methods);
    return (ctx) => ctx.principal !== undefined && allowed.has(ctx.principal.method);
  },
});
