import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { pathHasPrefix } from '../../routing/index.ts';
import { compileGlob } from '../match/glob.ts';
import { defineCriterion } from './criterion.ts';

/**
 * `path: { exact } | { prefix } | { glob }` over the canonical request path. A prefix ends on
 * a segment boundary (`/admin` matches `/admin/x`, not `/administrator`), exactly as routes
 * match, so "route /admin" and "deny /admin" cover the same requests.
 */
export const path = defineCriterion({
  name: 'path',
  schema: CriteriaSchemas.path,
  reason: 'path-unauthorized',
  identity: false,
  cost: 0,
  compile: (arg) => {
    if (arg.exact !== undefined) {
      const exact = arg.exact;
      return (ctx) => ctx.request.path === exact;
    }
    if (arg.prefix !== undefined) {
      const prefix = arg.prefix;
      return (ctx) => pathHasPrefix(ctx.request.path, prefix);
    }
    const glob = compileGlob(arg.glob ?? '');
    return (ctx) => glob(ctx.request.path);
  },
});
