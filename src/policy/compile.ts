import { type PolicyConfig, PolicySchema } from '../config/schema-policy.ts';
import { DEFAULT_CEL_LIMITS } from './cel/index.ts';
import { Policy } from './compiled-policy.ts';
import type { PolicyProgram } from './nodes.ts';
import { isOpenPolicy } from './open.ts';
import { escapePointer } from './pointer.ts';
import { RuleCompiler } from './rule-compiler.ts';
import type { CelLimits, CompiledPolicy, PolicyProblem } from './types.ts';

export { MAX_RULE_NESTING } from './rule-compiler.ts';

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
  /**
   * The policy already passed PolicySchema (the config loader validated it): skip the
   * second validation, which dominates compile time for large configs.
   */
  readonly prevalidated?: boolean;
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

  const parsed = options.prevalidated
    ? ({ success: true, data: source as PolicyConfig } as const)
    : PolicySchema.safeParse(source);
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

function isCompiledPolicy(v: PolicyConfig | CompiledPolicy): v is CompiledPolicy {
  return typeof (v as CompiledPolicy).evaluate === 'function';
}
