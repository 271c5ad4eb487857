import type { EvalContext } from '../eval-context.ts';

/**
 * Request values as criteria see them. Header names are lower-case (Node's IncomingMessage
 * already lower-cases them). The query string is parsed once per evaluation, on first use.
 */

const QUERY = Symbol('query');

/** Every value of a header: none, one, or several (a repeated header kept as an array). */
export function headerValues(ctx: EvalContext, lowerName: string): readonly string[] {
  const v = ctx.request.headers[lowerName];
  if (v === undefined) return EMPTY;
  return typeof v === 'string' ? [v] : v;
}

/** The single value of a header; undefined when absent or repeated (ambiguous). */
export function singleHeader(ctx: EvalContext, lowerName: string): string | undefined {
  const v = ctx.request.headers[lowerName];
  if (typeof v === 'string') return v;
  return v?.length === 1 ? v[0] : undefined;
}

/** The parsed query: name -> every value, in order. */
export function queryParams(ctx: EvalContext): ReadonlyMap<string, readonly string[]> {
  return ctx.memo(QUERY, parseQuery);
}

/** The single value of a query parameter; undefined when absent or repeated (parameter pollution). */
export function singleQuery(ctx: EvalContext, name: string): string | undefined {
  const values = queryParams(ctx).get(name);
  return values?.length === 1 ? values[0] : undefined;
}

function parseQuery(ctx: EvalContext): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  if (!ctx.request.query) return out;
  for (const [k, v] of new URLSearchParams(ctx.request.query)) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

const EMPTY: readonly string[] = Object.freeze([]);
