import type { KubernetesIdentity, Principal, SpiffeId } from '../../model/index.ts';
import type { EvalContext } from '../eval-context.ts';
import { foldHeaderName, queryParams } from '../match/request-values.ts';

/**
 * The values CEL expressions see, as registered types (environment.ts declares their fields,
 * so `principal.grups` or `principal.kind == 1` fail at load). Each evaluation builds these
 * wrappers on first use only; the principal wrapper is cached per (frozen) principal.
 *
 * Absent optional scalars read as their zero value ('' / 0 / []) so `principal.email == x`
 * is simply false for a workload; `spiffe` and `kubernetes` stay absent: test them with
 * `has(principal.spiffe)` or `principal.?spiffe`. Integers are CEL ints (bigint); in claims,
 * safe integers become ints and other numbers doubles.
 */

export class CelSpiffe {
  readonly id: string;
  readonly trustDomain: string;
  readonly path: string;
  constructor(s: SpiffeId) {
    this.id = s.id;
    this.trustDomain = s.trustDomain;
    this.path = s.path;
  }
}

export class CelKubernetes {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName: string;
  constructor(k: KubernetesIdentity) {
    this.namespace = k.namespace;
    this.serviceAccount = k.serviceAccount;
    this.podName = k.podName ?? '';
  }
}

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null));

export class CelPrincipal {
  readonly authenticated: boolean;
  readonly kind: string;
  readonly subject: string;
  readonly issuer: string;
  readonly method: string;
  readonly groups: readonly string[];
  readonly email: string;
  readonly spiffe: CelSpiffe | undefined;
  readonly kubernetes: CelKubernetes | undefined;
  readonly authTime: bigint;
  readonly expiresAt: bigint;
  readonly acr: string;
  readonly amr: readonly string[];
  readonly source: string;
  readonly #rawClaims: Readonly<Record<string, unknown>>;
  #claims: Readonly<Record<string, unknown>> | undefined;

  constructor(p: Principal | undefined) {
    this.authenticated = p !== undefined;
    this.kind = p?.kind ?? '';
    this.subject = p?.subject ?? '';
    this.issuer = p?.issuer ?? '';
    this.method = p?.method ?? '';
    this.groups = p?.groups ?? NO_STRINGS;
    this.email = p?.email ?? '';
    this.spiffe = p?.spiffe ? new CelSpiffe(p.spiffe) : undefined;
    this.kubernetes = p?.kubernetes ? new CelKubernetes(p.kubernetes) : undefined;
    this.authTime = toInt(p?.authTime);
    this.expiresAt = toInt(p?.expiresAt);
    this.acr = p?.acr ?? '';
    this.amr = p?.amr ?? NO_STRINGS;
    this.source = p?.source ?? '';
    this.#rawClaims = p?.claims ?? NO_CLAIMS;
  }

  /** Claims converted to CEL values on first read. */
  get claims(): Readonly<Record<string, unknown>> {
    this.#claims ??= toCelValue(this.#rawClaims, 0) as Record<string, unknown>;
    return this.#claims;
  }
}

export class CelRequest {
  readonly #ctx: EvalContext;
  #headers: Readonly<Record<string, string>> | undefined;
  #query: Readonly<Record<string, string>> | undefined;
  constructor(ctx: EvalContext) {
    this.#ctx = ctx;
  }
  get method(): string {
    return this.#ctx.request.method;
  }
  get scheme(): string {
    return this.#ctx.request.scheme;
  }
  get host(): string {
    return this.#ctx.request.host;
  }
  get path(): string {
    return this.#ctx.request.path;
  }
  get clientAddress(): string {
    return this.#ctx.request.clientAddress;
  }
  /**
   * Lower-case names, `_` read as `-`; a repeated header's values joined with ", ". Reading a
   * repeated one records an ambiguity: the rule fails closed (a deny rule applies).
   */
  get headers(): Readonly<Record<string, string>> {
    this.#headers ??= celHeaders(this.#ctx);
    return this.#headers;
  }
  /**
   * A repeated parameter's values joined with ","; reading one (or any parameter of a query
   * holding `;`) records an ambiguity: the rule fails closed (a deny rule applies).
   */
  get query(): Readonly<Record<string, string>> {
    if (!this.#query) {
      const ctx = this.#ctx;
      const out: Record<string, string> = Object.create(null);
      const repeated = new Set<string>();
      for (const [k, v] of queryParams(ctx)) {
        out[k] = v.join(',');
        if (v.length > 1) repeated.add(k);
      }
      // with ';' every parameter may be read otherwise by the upstream
      const all = ctx.request.query.includes(';');
      this.#query =
        all || repeated.size > 0 ? watched(out, ctx, 'query parameter', all ? undefined : repeated) : out;
    }
    return this.#query;
  }
}

export class CelContext {
  readonly now: Date;
  readonly nowSeconds: bigint;
  readonly routeId: string;
  constructor(ctx: EvalContext) {
    this.now = new Date(ctx.nowSeconds * 1000);
    this.nowSeconds = BigInt(Math.floor(ctx.nowSeconds));
    this.routeId = ctx.routeId ?? '';
  }
}

/** The activation handed to a compiled expression. */
export interface CelVariables {
  readonly principal: CelPrincipal;
  readonly request: CelRequest;
  readonly context: CelContext;
}

const VARIABLES = Symbol('cel-variables');
const ANONYMOUS = new CelPrincipal(undefined);
const principals = new WeakMap<Principal, CelPrincipal>();

/** The CEL variables of this evaluation, built once and shared by every `when` criterion. */
export function celVariables(ctx: EvalContext): CelVariables {
  return ctx.memo(VARIABLES, build);
}

function build(ctx: EvalContext): CelVariables {
  return {
    principal: celPrincipal(ctx.principal),
    request: new CelRequest(ctx),
    context: new CelContext(ctx),
  };
}

function celPrincipal(p: Principal | undefined): CelPrincipal {
  if (!p) return ANONYMOUS;
  let c = principals.get(p);
  if (!c) {
    c = new CelPrincipal(p);
    principals.set(p, c);
  }
  return c;
}

function toInt(n: number | undefined): bigint {
  return n === undefined || !Number.isFinite(n) ? 0n : BigInt(Math.floor(n));
}

/** The request's headers for CEL: from the fields as sent when known (repeats and `_` spellings seen). */
function celHeaders(ctx: EvalContext): Readonly<Record<string, string>> {
  const out: Record<string, string> = Object.create(null);
  const raw = ctx.request.rawHeaders;
  if (raw === undefined) {
    const headers = ctx.request.headers;
    for (const k of Object.keys(headers)) {
      const v = headers[k];
      if (typeof v === 'string') out[k] = v;
      else if (Array.isArray(v)) out[k] = v.join(', ');
    }
    return out;
  }
  let repeated: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = foldHeaderName(raw[i]!);
    const value = raw[i + 1]!;
    if (name in out) {
      out[name] = `${out[name]}, ${value}`;
      repeated ??= new Set();
      repeated.add(name);
    } else out[name] = value;
  }
  // Host is the decided host (forward-auth rebuilds it)
  const host = ctx.request.headers.host;
  if (typeof host === 'string') {
    out.host = host;
    repeated?.delete('host');
  }
  return repeated && repeated.size > 0 ? watched(out, ctx, 'header', repeated) : out;
}

/** `values`, recording an ambiguity whenever an expression reads one of `names` (any key, present or not, when undefined). */
function watched(
  values: Record<string, string>,
  ctx: EvalContext,
  what: string,
  names: ReadonlySet<string> | undefined,
): Readonly<Record<string, string>> {
  return new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string' && (names === undefined || names.has(key)))
        ctx.ambiguous(`${what} ${key} is stated ambiguously`);
      return typeof key === 'string' ? target[key] : undefined;
    },
    has(target, key) {
      if (typeof key === 'string' && (names === undefined || names.has(key)))
        ctx.ambiguous(`${what} ${key} is stated ambiguously`);
      return key in target;
    },
  });
}

const MAX_DEPTH = 32;

/** JSON-like value -> CEL value: safe integers as bigint, objects without prototype, depth-capped. */
function toCelValue(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'number':
      return Number.isSafeInteger(v) ? BigInt(v) : v;
    case 'object': {
      if (v === null) return null;
      if (depth >= MAX_DEPTH) return null;
      if (Array.isArray(v)) return v.map((x) => toCelValue(x, depth + 1) ?? null);
      const out: Record<string, unknown> = Object.create(null);
      for (const k of Object.keys(v)) {
        const c = toCelValue((v as Record<string, unknown>)[k], depth + 1);
        if (c !== undefined) out[k] = c;
      }
      return out;
    }
    default:
      return undefined;
  }
}
