import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { compileGlob } from '../match/glob.ts';
import { defineCriterion } from './criterion.ts';

/**
 * `spiffeId: { exact }` or `{ trustDomain, path }` — the workload's SPIFFE ID. `path` is a
 * glob: `*` one segment, `**` any number of segments (default `/**`: the whole trust domain).
 */
export const spiffeId = defineCriterion({
  name: 'spiffeId',
  schema: CriteriaSchemas.spiffeId,
  reason: 'spiffe-id-unauthorized',
  identity: true,
  cost: 0,
  compile: (arg) => {
    if (arg.exact !== undefined) {
      const exact = arg.exact;
      return (ctx) => ctx.principal?.spiffe?.id === exact;
    }
    const trustDomain = arg.trustDomain;
    const path = compileGlob(arg.path ?? '/**');
    return (ctx) => {
      const s = ctx.principal?.spiffe;
      return s !== undefined && s.trustDomain === trustDomain && path(s.path);
    };
  },
});
