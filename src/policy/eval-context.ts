import type { Principal, Reason, RequestInfo } from '../model/index.ts';
import type { PolicyInput } from './types.ts';

/**
 * The state of one evaluation, handed to every compiled criterion. Values derived from the
 * request (the parsed query, the CEL variables) are computed on first use and shared by all
 * criteria of this evaluation, so a policy that never looks at the query never parses it.
 */
export class EvalContext {
  readonly principal: Principal | undefined;
  readonly request: RequestInfo;
  readonly nowSeconds: number;
  readonly routeId: string | undefined;
  /** Evaluation errors (CEL failures) so far; a rule whose evaluation raised one fails closed. */
  errors = 0;
  /**
   * Values a criterion read that the request states ambiguously (a repeated header or query
   * parameter, a query with `;`). A rule that read one fails closed: a deny rule applies, an
   * allow rule does not. Not an error: nothing is published.
   */
  ambiguities = 0;
  /** The first ambiguity met (for the decision's detail). */
  ambiguityDetail: string | undefined;
  /** Why the last criterion that failed did; read when a rule fails. */
  failReason: Reason | undefined;
  /** The first error message, for the internal error event (never shown to clients). */
  errorDetail: string | undefined;
  /** Values computed on first use; see `memo`. */
  #memo: Map<symbol, unknown> | undefined;

  constructor(input: PolicyInput) {
    this.principal = input.principal;
    this.request = input.request;
    this.nowSeconds = input.nowSeconds;
    this.routeId = input.routeId;
  }

  /** Compute `make(this)` once per evaluation under `key` (a module-level symbol). */
  memo<T>(key: symbol, make: (ctx: EvalContext) => T): T {
    this.#memo ??= new Map();
    const memo = this.#memo;
    if (memo.has(key)) return memo.get(key) as T;
    const value = make(this);
    memo.set(key, value);
    return value;
  }

  /** Record an ambiguous value; the criterion that read it fails, and its rule fails closed. */
  ambiguous(detail: string): void {
    this.ambiguities++;
    this.ambiguityDetail ??= detail;
  }

  /** Record an evaluation error; the criterion that met it fails, and its rule fails closed. */
  fail(detail: string): false {
    this.errors++;
    this.errorDetail ??= detail;
    return false;
  }
}
