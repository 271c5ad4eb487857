import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { normaliseTarget, pathHasPrefix } from '../../routing/index.ts';
import { compileGlob } from '../match/glob.ts';
import { CriterionConfigError, defineCriterion } from './criterion.ts';

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
      const exact = canonical(arg.exact, '/exact');
      return (ctx) => ctx.request.path === exact;
    }
    if (arg.prefix !== undefined) {
      const prefix = canonical(arg.prefix, '/prefix');
      return (ctx) => pathHasPrefix(ctx.request.path, prefix);
    }
    const glob = compileGlob(arg.glob ?? '');
    return (ctx) => glob(ctx.request.path);
  },
});

/**
 * A rule path must be written as requests are normalised (docs/routing.md): requests are
 * compared after normalisation, so `/a%2Db` (which requests read as `/a-b`), `/./x` or `//x`
 * would never match, and a deny rule written that way would protect nothing.
 */
function canonical(path: string, at: string): string {
  const normalised = normaliseTarget(path, 'policy.invalid', { mergeSlashes: true, allowSemicolons: true });
  if (!normalised.ok)
    throw new CriterionConfigError(`"${path}" is not a path a request can have: ${normalised.detail}`, at);
  if (normalised.query !== '' || path.includes('?'))
    throw new CriterionConfigError(`"${path}": a path criterion holds no query (use query)`, at);
  if (normalised.path !== path)
    throw new CriterionConfigError(
      `"${path}" is compared with normalised request paths and would never match: write "${normalised.path}"`,
      at,
    );
  return path;
}
