import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `kind: user | workload` — a person, or a service / CI job. */
export const kind = defineCriterion({
  name: 'kind',
  schema: CriteriaSchemas.kind,
  reason: 'kind-unauthorized',
  identity: true,
  cost: 0,
  compile: (want) => (ctx) => ctx.principal?.kind === want,
});
