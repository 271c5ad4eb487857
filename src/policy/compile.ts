import { type PolicyConfig, PolicySchema, type RuleConfig } from '../config/schema-policy.ts';
import type { ChallengeRequirement, Reason } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import { DEFAULT_CEL_LIMITS } from './cel/index.ts';
import { type CompileContext, CriterionConfigError } from './criteria/criterion.ts';
import { criterionNamed } from './criteria/registry.ts';
import { run } from './engine.ts';
import { EvalContext } from './eval-context.ts';
import { buildTrace, TraceRecorder } from './explain.ts';
import {
  type CompiledChallenge,
  type CompiledRule,
  INTERNAL_ERROR,
  type PolicyNode,
  type PolicyProgram,
  result,
} from './nodes.ts';
import { isOpenPolicy } from './open.ts';
import { escapePointer } from './pointer.ts';
import { summarize } from './summary.ts';
import type { CelLimits, CompiledPolicy, PolicyInput, PolicyProblem, PolicyResult, Trace } from './types.ts';

/** Deepest nesting of any / all / not. */
export const MAX_RULE_NESTING = 8;

export interface CompilePolicyOptions {
  /** JSON pointer of the policy in the config document, e.g. `/policies/eng` or `/routes/3/policy`. */
  readonly pointer: string;
  /** Name of the policy under `policies`, shown in traces (default: none, or the name `config` resolves). */
  readonly name?: string;
  /**
   * Named policies, for a `config` given as a name (a route's `policy: engineering-apps`).
   * A compiled entry is returned as is, so each named policy is compiled once; a config entry
   * is compiled with pointer `/policies/NAME`.
   */
  readonly namedPolicies?: Readonly<Record<string, PolicyConfig | CompiledPolicy>>;
  /** Limits for `when:` conditions (defaults: DEFAULT_CEL_LIMITS). */
  readonly celLimits?: CelLimits;
}

export type CompilePolicyResult =
  | { readonly policy: CompiledPolicy; readonly errors?: undefined }
  | { readonly errors: readonly PolicyProblem[]; readonly policy?: undefined };

/**
 * Compile a policy once, at config load: the schema is checked (again: the input may come
 * from a `policy test` file), then every criterion is prepared (regexes, CIDR lists, time
 * formatters, CEL programs). Every problem is reported, each with its JSON pointer.
 */
export function compilePolicy(
  config: PolicyConfig | string,
  options: CompilePolicyOptions,
): CompilePolicyResult {
  let pointer = options.pointer;
  let name = options.name;
  let source: unknown = config;
  if (typeof config === 'string') {
    const named = options.namedPolicies;
    if (!named || !Object.hasOwn(named, config)) {
      const known = named ? Object.keys(named).join(', ') : '';
      return {
        errors: [{ pointer, message: `unknown named policy "${config}"; defined: ${known || 'none'}` }],
      };
    }
    const entry = named[config]!;
    if (isCompiledPolicy(entry)) return { policy: entry };
    source = entry;
    name = config;
    pointer = `/policies/${escapePointer(config)}`;
  }

  const parsed = PolicySchema.safeParse(source);
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.map((issue) => ({
        pointer: pointer + issue.path.map((p) => `/${escapePointer(String(p))}`).join(''),
        message: issue.message,
      })),
    };
  }

  const errors: PolicyProblem[] = [];
  const celLimits = { ...DEFAULT_CEL_LIMITS, ...options.celLimits };
  const compiler = new RuleCompiler(errors, celLimits);
  const deny = (parsed.data.deny ?? []).map((r, i) => compiler.rule(r, `${pointer}/deny/${i}`, 'deny', i));
  const allow = (parsed.data.allow ?? []).map((r, i) =>
    compiler.rule(r, `${pointer}/allow/${i}`, 'allow', i),
  );

  const ids = new Map<string, string>();
  for (const rule of [...deny, ...allow]) {
    const prior = ids.get(rule.id);
    if (prior !== undefined)
      errors.push({
        pointer: `${rule.pointer}/id`,
        message: `duplicate rule id "${rule.id}" (also ${prior})`,
      });
    else ids.set(rule.id, rule.pointer);
  }
  if (errors.length > 0) return { errors };

  const program: PolicyProgram = { name, pointer, deny, allow };
  return { policy: new Policy(program, isOpenPolicy(parsed.data)) };
}

/**
 * Compile every named policy (`policies:` in the config) once; routes then reference the
 * compiled objects through `namedPolicies`.
 */
export function compilePolicies(
  policies: Readonly<Record<string, PolicyConfig>>,
  options: { readonly pointer?: string; readonly celLimits?: CelLimits } = {},
): { readonly policies: ReadonlyMap<string, CompiledPolicy>; readonly errors: readonly PolicyProblem[] } {
  const base = options.pointer ?? '/policies';
  const out = new Map<string, CompiledPolicy>();
  const errors: PolicyProblem[] = [];
  for (const [name, config] of Object.entries(policies)) {
    const r = compilePolicy(config, {
      pointer: `${base}/${escapePointer(name)}`,
      name,
      ...(options.celLimits ? { celLimits: options.celLimits } : {}),
    });
    if (r.policy) out.set(name, r.policy);
    else errors.push(...r.errors);
  }
  return { policies: out, errors };
}

class Policy implements CompiledPolicy {
  readonly #program: PolicyProgram;
  readonly name: string | undefined;
  readonly pointer: string;
  readonly open: boolean;
  readonly counters = { internalErrors: 0 };

  constructor(program: PolicyProgram, open: boolean) {
    this.#program = program;
    this.name = program.name;
    this.pointer = program.pointer;
    this.open = open;
  }

  evaluate(input: PolicyInput): PolicyResult {
    return this.#decide(input, undefined);
  }

  explain(input: PolicyInput): Trace {
    const recorder = new TraceRecorder();
    const decided = this.#decide(input, recorder);
    return buildTrace(this.#program, decided, recorder, input);
  }

  #decide(input: PolicyInput, recorder: TraceRecorder | undefined): PolicyResult {
    let ctx: EvalContext | undefined;
    try {
      ctx = new EvalContext(input);
      const decided = run(this.#program, ctx, recorder);
      if (ctx.errors > 0) this.#internalError(input, ctx.errorDetail);
      return decided;
    } catch (err) {
      this.#internalError(input, err);
      return INTERNAL_ERROR;
    }
  }

  #internalError(input: PolicyInput, error: unknown): void {
    this.counters.internalErrors++;
    try {
      publish.internalError({
        where: `policy ${this.pointer}`,
        ...(typeof input?.request?.id === 'string' ? { requestId: input.request.id } : {}),
        error,
      });
    } catch {
      // A failing subscriber must not turn a decision into an exception.
    }
  }
}

function isCompiledPolicy(v: PolicyConfig | CompiledPolicy): v is CompiledPolicy {
  return typeof (v as CompiledPolicy).evaluate === 'function';
}

const STRUCTURAL_KEYS = new Set(['id', 'description', 'challenge', 'any', 'all', 'not']);
const CHALLENGE_REASONS: readonly [number, Reason][] = [
  [1, 'auth-too-old'],
  [2, 'acr-insufficient'],
  [4, 'amr-insufficient'],
];

class RuleCompiler {
  readonly #errors: PolicyProblem[];
  readonly #celLimits: Required<CelLimits>;

  constructor(errors: PolicyProblem[], celLimits: Required<CelLimits>) {
    this.#errors = errors;
    this.#celLimits = celLimits;
  }

  rule(config: RuleConfig, pointer: string, effect: 'allow' | 'deny', index: number): CompiledRule {
    const id = config.id ?? `${effect}[${index}]`;
    const body = this.#body(config, pointer, 0);
    let challenge: CompiledChallenge | undefined;
    if (config.challenge) {
      if (effect === 'deny') this.#error(`${pointer}/challenge`, 'challenge applies to allow rules only');
      else challenge = compileChallenge(config.challenge, id);
    }
    const first = body[0];
    return {
      id,
      effect,
      pointer,
      description: config.description,
      body,
      requiresPrincipal: effect === 'allow' && (challenge !== undefined || body.some((n) => n.identity)),
      challenge,
      matched:
        effect === 'allow'
          ? result('allow', ['rule-matched'], id)
          : result('deny', first ? ['deny-rule-matched', first.reason] : ['deny-rule-matched'], id),
      errored: result('deny', ['internal-error'], id),
    };
  }

  /** The criteria and combinators of one rule (or sub-rule), cheapest first. */
  #body(config: RuleConfig, pointer: string, depth: number): PolicyNode[] {
    const nodes: PolicyNode[] = [];
    for (const [key, value] of Object.entries(config)) {
      if (value === undefined) continue;
      const at = `${pointer}/${escapePointer(key)}`;
      if (STRUCTURAL_KEYS.has(key)) {
        if (depth > 0 && (key === 'id' || key === 'challenge')) {
          this.#error(at, `${key} is allowed on top-level rules only, not inside any / all / not`);
        }
        if (key === 'any' || key === 'all' || key === 'not') {
          if (depth + 1 > MAX_RULE_NESTING) {
            this.#error(at, `any / all / not nest more than ${MAX_RULE_NESTING} deep`);
            continue;
          }
          nodes.push(this.#combinator(key, value as RuleConfig | RuleConfig[], at, depth + 1));
        }
        continue;
      }
      const criterion = criterionNamed(key);
      if (!criterion) {
        this.#error(pointer, `unknown criterion "${key}"`);
        continue;
      }
      const cx: CompileContext = { pointer: at, celLimits: this.#celLimits };
      try {
        const match = criterion.compile(value, cx);
        nodes.push({
          type: 'criterion',
          name: key,
          pointer: at,
          argument: summarize(value),
          reason: typeof criterion.reason === 'function' ? criterion.reason(value) : criterion.reason,
          identity: typeof criterion.identity === 'function' ? criterion.identity(value) : criterion.identity,
          cost: criterion.cost,
          match,
        });
      } catch (err) {
        if (err instanceof CriterionConfigError) this.#error(at + err.at, err.message);
        else this.#error(at, `cannot compile ${key}: ${(err as Error).message}`);
      }
    }
    // Stable sort: cheap comparisons before regexes, clocks and CEL.
    return nodes.sort((a, b) => a.cost - b.cost);
  }

  #combinator(
    key: 'any' | 'all' | 'not',
    value: RuleConfig | RuleConfig[],
    pointer: string,
    depth: number,
  ): PolicyNode {
    if (key === 'not') {
      const child = this.#subRule(value as RuleConfig, pointer, depth);
      return {
        type: 'not',
        name: 'not',
        pointer,
        argument: '',
        reason: child.reason,
        identity: child.identity,
        cost: child.cost,
        child,
      };
    }
    const children = (value as RuleConfig[]).map((r, i) => this.#subRule(r, `${pointer}/${i}`, depth));
    return group(key, key, pointer, children, key === 'any' ? 'no-rule-matched' : 'rule-matched');
  }

  #subRule(config: RuleConfig, pointer: string, depth: number): PolicyNode {
    return group('all', 'rule', pointer, this.#body(config, pointer, depth), 'rule-matched');
  }

  #error(pointer: string, message: string): void {
    this.#errors.push({ pointer, message });
  }
}

function group(
  type: 'all' | 'any',
  name: string,
  pointer: string,
  children: PolicyNode[],
  emptyReason: Reason,
): PolicyNode {
  return {
    type,
    name,
    pointer,
    argument: '',
    reason: children[0]?.reason ?? emptyReason,
    identity: children.some((c) => c.identity),
    cost: children.reduce((m, c) => Math.max(m, c.cost), 0),
    children,
  };
}

function compileChallenge(config: NonNullable<RuleConfig['challenge']>, ruleId: string): CompiledChallenge {
  const requirement: ChallengeRequirement = Object.freeze({
    ...(config.maxAgeSeconds !== undefined ? { maxAgeSeconds: config.maxAgeSeconds } : {}),
    ...(config.acr ? { acr: Object.freeze([...config.acr]) } : {}),
    ...(config.amr ? { amr: Object.freeze([...config.amr]) } : {}),
  });
  const results: PolicyResult[] = [];
  for (let mask = 0; mask < 8; mask++) {
    const reasons = CHALLENGE_REASONS.filter(([bit]) => mask & bit).map(([, r]) => r);
    results.push(result('challenge', reasons, ruleId, requirement));
  }
  return {
    requirement,
    maxAgeSeconds: config.maxAgeSeconds,
    acr: config.acr ? new Set(config.acr) : undefined,
    amr: config.amr ? new Set(config.amr) : undefined,
    results,
  };
}
