import type { CriterionTrace, RuleTrace, Trace } from './types.ts';

const MARK = { true: '✓', false: '✗', null: '·' } as const;

const RULE_RESULT: Readonly<Record<RuleTrace['result'], string>> = {
  matched: 'matched',
  'not-matched': 'did not match',
  challenge: 'matched, but authentication must be refreshed or stepped up',
  error: 'evaluation error (fails closed)',
  unauthenticated: 'skipped: needs an authenticated caller',
  'not-evaluated': 'not evaluated: an earlier rule decided',
};

/**
 * The trace as text for people (`gatehouse explain`): the route and policy, each rule with
 * ✓ / ✗ / · (not evaluated) per criterion and the reason a failed one yields, then the
 * outcome and its reasons. `--json` prints the Trace object itself.
 */
export function formatTrace(trace: Trace): string {
  const lines: string[] = [];
  if (trace.routeId !== undefined || trace.policy !== undefined) {
    const parts = [];
    if (trace.routeId !== undefined) parts.push(`route ${trace.routeId}`);
    if (trace.policy !== undefined) parts.push(`policy ${trace.policy}`);
    lines.push(parts.join(', '));
  }
  if (trace.rules.length === 0) lines.push('  (no rules: the policy denies everything)');
  let effect: string | undefined;
  for (const rule of trace.rules) {
    if (rule.effect !== effect) {
      effect = rule.effect;
      lines.push(`${effect} rules:`);
    }
    const mark =
      rule.result === 'matched' || rule.result === 'challenge'
        ? '✓'
        : rule.result === 'not-evaluated' || rule.result === 'unauthenticated'
          ? '·'
          : '✗';
    lines.push(`  ${mark} ${rule.id} — ${RULE_RESULT[rule.result]}`);
    if (rule.description) lines.push(`      ${rule.description}`);
    if (rule.criteria.length === 0) lines.push('      (no criteria: matches every request)');
    for (const c of rule.criteria) criterionLines(c, 3, lines);
    if (rule.challenge) lines.push(`      challenge: ${challengeText(rule.challenge)}`);
  }
  lines.push(`outcome: ${trace.outcome}${trace.ruleId !== undefined ? ` (rule ${trace.ruleId})` : ''}`);
  lines.push(`reasons: ${trace.reasons.join(', ')}`);
  if (trace.challenge) lines.push(`challenge: ${challengeText(trace.challenge)}`);
  return `${lines.join('\n')}\n`;
}

function criterionLines(c: CriterionTrace, depth: number, lines: string[]): void {
  const mark = MARK[String(c.passed) as 'true' | 'false' | 'null'];
  const arg = c.argument ? ` ${c.argument}` : '';
  const reason = c.reason ? `  -> ${c.reason}` : '';
  lines.push(`${'  '.repeat(depth)}${mark} ${c.name}${arg}${reason}`);
  for (const child of c.children ?? []) criterionLines(child, depth + 1, lines);
}

function challengeText(c: NonNullable<Trace['challenge']>): string {
  const parts: string[] = [];
  if (c.maxAgeSeconds !== undefined) parts.push(`authenticated within ${c.maxAgeSeconds}s`);
  if (c.acr) parts.push(`acr one of [${c.acr.join(', ')}]`);
  if (c.amr) parts.push(`amr one of [${c.amr.join(', ')}]`);
  return parts.join('; ');
}
