import type { RuleConfig } from '../config/schema-policy.ts';
import type { ChallengeRequirement, Reason } from '../model/index.ts';
import { type CompileContext, CriterionConfigError } from './criteria/criterion.ts';
import { criterionNamed } from './criteria/registry.ts';
import { type CompiledChallenge, type CompiledRule, type PolicyNode, result } from './nodes.ts';
import { escapePointer } from './pointer.ts';
import { summarize } from './summary.ts';
import type { CelLimits, PolicyProblem, PolicyResult } from './types.ts';

/** Deepest nesting of any / all / not. */
export const MAX_RULE_NESTING = 8;

/** Compiles rule configs into node trees, collecting every problem with its pointer. */
const STRUCTURAL_KEYS = new Set(['id', 'description', 'challenge', 'any', 'all', 'not']);
const CHALLENGE_REASONS: readonly [number, Reason][] = [
  [1, 'auth-too-old'],
  [2, 'acr-insufficient'],
  [4, 'amr-insufficient'],
];

export class RuleCompiler {
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
