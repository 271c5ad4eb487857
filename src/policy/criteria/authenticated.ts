import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `authenticated: true` — the caller presented a valid credential; `false` — the caller is anonymous. */
export const authenticated = defineCriterion({
  name: 'authenticated',
  schema: CriteriaSchemas.authenticated,
  reason: (want) => (want ? 'user-unauthenticated' : 'subject-unauthorized'),
  identity: false,
  cost: 0,
  compile: (want) => (want ? (ctx) => ctx.principal !== undefined : (ctx) => ctx.principal === undefined),
});
