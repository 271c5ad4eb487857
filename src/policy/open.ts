import type { PolicyConfig, RuleConfig } from '../config/schema-policy.ts';
import type { CompiledPolicy } from './types.ts';

const NON_CRITERIA = new Set(['id', 'description', 'challenge']);

/** The criteria keys a rule sets (not id / description / challenge). */
export function criteriaKeys(rule: RuleConfig): string[] {
  return Object.keys(rule).filter(
    (k) => !NON_CRITERIA.has(k) && (rule as Record<string, unknown>)[k] !== undefined,
  );
}

/**
 * An open allow rule admits anyone who can log in (or anyone at all): it has no criteria,
 * or only `authenticated`.
 */
export function isOpenRule(rule: RuleConfig): boolean {
  return criteriaKeys(rule).every((k) => k === 'authenticated');
}

/**
 * Whether a policy admits any caller (any authenticated one, or anyone): some allow rule is
 * open and no unconditional deny rule stands in front of it. The lead warns when a wildcard
 * host uses such a policy.
 */
export function isOpenPolicy(policy: PolicyConfig | CompiledPolicy): boolean {
  if ('evaluate' in policy && typeof policy.evaluate === 'function') return (policy as CompiledPolicy).open;
  const config = policy as PolicyConfig;
  if ((config.deny ?? []).some((r) => criteriaKeys(r).length === 0)) return false;
  return (config.allow ?? []).some(isOpenRule);
}
