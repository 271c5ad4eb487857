import { CriteriaSchemas } from '../../config/schema-policy.ts';
import type { EvalContext } from '../eval-context.ts';
import { claimKeys, resolveClaim, someClaimValue } from '../match/claims.ts';
import { foldHeaderName, singleHeader, singleQuery } from '../match/request-values.ts';
import { defineCriterion } from './criterion.ts';

/**
 * `tenant: { claim, equalsHeader | equalsPathSegment | equalsQuery }` — binds the caller to
 * the tenant named in the request: the claim (a string, or a list of strings) must hold the
 * value of the header, of path segment N (0-based: in `/t/acme/x`, 1 is `acme`), or of the
 * query parameter. A missing, empty or repeated request value never matches.
 */
export const tenant = defineCriterion({
  name: 'tenant',
  schema: CriteriaSchemas.tenant,
  reason: 'tenant-mismatch',
  identity: true,
  cost: 0,
  compile: (arg) => {
    const keys = claimKeys(arg.claim);
    let requestValue: (ctx: EvalContext) => string | undefined;
    if (arg.equalsHeader !== undefined) {
      const name = foldHeaderName(arg.equalsHeader);
      requestValue = (ctx) => singleHeader(ctx, name);
    } else if (arg.equalsPathSegment !== undefined) {
      const index = arg.equalsPathSegment;
      requestValue = (ctx) => pathSegment(ctx.request.path, index);
    } else {
      const name = arg.equalsQuery ?? '';
      requestValue = (ctx) => singleQuery(ctx, name);
    }
    return (ctx) => {
      if (!ctx.principal) return false;
      const want = requestValue(ctx);
      if (!want) return false;
      return someClaimValue(resolveClaim(ctx.principal.claims, keys), (v) => v === want);
    };
  },
});

/** Segment `index` (0-based) of an absolute path, without allocating the whole split. */
function pathSegment(path: string, index: number): string | undefined {
  let start = 1;
  for (let i = 0; i < index; i++) {
    const slash = path.indexOf('/', start);
    if (slash < 0) return undefined;
    start = slash + 1;
  }
  const end = path.indexOf('/', start);
  return path.slice(start, end < 0 ? path.length : end);
}
