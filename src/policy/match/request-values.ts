import type { EvalContext } from '../eval-context.ts';

/**
 * Request values as criteria see them. Header names are compared lower-case with `_` read as
 * `-` (CGI-style upstreams read `X_Role` as `X-Role`). A value stated more than once (a
 * repeated header or query parameter), or a query holding `;` (a separator to some servers),
 * is ambiguous: upstreams disagree on which copy counts, so a criterion that reads it records
 * the ambiguity and its rule fails closed (engine.ts). The query string is parsed once per
 * evaluation, on first use.
 */

const QUERY = Symbol('query');

/** A header name as criteria compare it: lower-case, `_` read as `-`. */
export function foldHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes('_') ? lower.replaceAll('_', '-') : lower;
}

/** Every value of a header (by folded name): none, one, or several. */
export function headerValues(ctx: EvalContext, foldedName: string): readonly string[] {
  const raw = ctx.request.rawHeaders;
  // Host is the decided host (forward-auth rebuilds it): read it from the folded headers
  if (raw === undefined || foldedName === 'host') {
    const v = ctx.request.headers[foldedName];
    if (v === undefined) return EMPTY;
    return typeof v === 'string' ? [v] : v;
  }
  let first: string | undefined;
  let all: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== foldedName.length || foldHeaderName(name) !== foldedName) continue;
    const value = raw[i + 1]!;
    if (first === undefined) first = value;
    else if (all === undefined) all = [first, value];
    else all.push(value);
  }
  return all ?? (first === undefined ? EMPTY : [first]);
}

/** The single value of a header; undefined when absent, or when repeated (recorded as ambiguous). */
export function singleHeader(ctx: EvalContext, foldedName: string): string | undefined {
  const values = headerValues(ctx, foldedName);
  if (values.length === 1) return values[0];
  if (values.length > 1) ctx.ambiguous(`header ${foldedName} is repeated`);
  return undefined;
}

/** The parsed query: name -> every value, in order. A query holding `;` is recorded as ambiguous. */
export function queryParams(ctx: EvalContext): ReadonlyMap<string, readonly string[]> {
  if (ctx.request.query.includes(';')) ctx.ambiguous('the query holds ";", a separator to some servers');
  return ctx.memo(QUERY, parseQuery);
}

/** The single value of a query parameter; undefined when absent, or when repeated (recorded as ambiguous). */
export function singleQuery(ctx: EvalContext, name: string): string | undefined {
  const values = queryParams(ctx).get(name);
  if (values === undefined) return undefined;
  if (values.length === 1) return values[0];
  ctx.ambiguous(`query parameter ${name} is repeated`);
  return undefined;
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
