import type { Reason } from '../model/index.ts';
import type { Recorder } from './engine.ts';
import type { CompiledRule, PolicyNode, PolicyProgram } from './nodes.ts';
import type {
  CriterionTrace,
  PolicyInput,
  PolicyResult,
  RuleTrace,
  RuleTraceResult,
  Trace,
} from './types.ts';

/** Collects what the engine did during one `explain` run. */
export class TraceRecorder implements Recorder {
  readonly nodes = new Map<PolicyNode, { passed: boolean; errored: boolean }>();
  readonly rules = new Map<CompiledRule, RuleTraceResult>();

  node(node: PolicyNode, passed: boolean, errored: boolean): void {
    this.nodes.set(node, { passed, errored });
  }

  rule(rule: CompiledRule, result: RuleTraceResult): void {
    this.rules.set(rule, result);
  }
}

/** Turn a recorded run into the trace `gatehouse explain` prints (or emits as JSON). */
export function buildTrace(
  program: PolicyProgram,
  decided: PolicyResult,
  rec: TraceRecorder,
  input: PolicyInput,
): Trace {
  const anonymous = input.principal === undefined;
  // In an allow rule, an identity criterion failing for an anonymous caller means "log in".
  const nodeTrace = (node: PolicyNode, inAllow: boolean): CriterionTrace => {
    const seen = rec.nodes.get(node);
    const passed = seen ? seen.passed : null;
    const reason: Reason | undefined =
      passed === false
        ? seen?.errored
          ? 'internal-error'
          : node.identity && anonymous && inAllow
            ? 'user-unauthenticated'
            : node.reason
        : undefined;
    const children =
      node.type === 'criterion' ? undefined : node.type === 'not' ? [node.child] : node.children;
    return {
      name: node.name,
      pointer: node.pointer,
      argument: node.argument,
      passed,
      ...(reason ? { reason } : {}),
      ...(children ? { children: children.map((c) => nodeTrace(c, inAllow)) } : {}),
    };
  };
  const ruleTrace = (rule: CompiledRule): RuleTrace => ({
    id: rule.id,
    effect: rule.effect,
    pointer: rule.pointer,
    ...(rule.description ? { description: rule.description } : {}),
    result: rec.rules.get(rule) ?? 'not-evaluated',
    criteria: rule.body.map((n) => nodeTrace(n, rule.effect === 'allow')),
    ...(rule.challenge ? { challenge: rule.challenge.requirement } : {}),
  });
  return {
    ...(input.routeId !== undefined ? { routeId: input.routeId } : {}),
    ...(program.name !== undefined ? { policy: program.name } : {}),
    outcome: decided.outcome,
    ...(decided.ruleId !== undefined ? { ruleId: decided.ruleId } : {}),
    reasons: decided.reasons,
    ...(decided.challenge ? { challenge: decided.challenge } : {}),
    rules: [...program.deny.map(ruleTrace), ...program.allow.map(ruleTrace)],
  };
}
