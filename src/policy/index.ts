/**
 * The policy room: the policy language (criteria, combinators, CEL conditions), its compiler
 * to plain functions, decision traces for `gatehouse explain`, and lint for `gatehouse check`.
 * The YAML shape is declared in src/config/schema-policy.ts.
 */
export { type CelCompileResult, type CelProgram, compileCel, DEFAULT_CEL_LIMITS } from './cel/index.ts';
export {
  type CompilePolicyOptions,
  type CompilePolicyResult,
  compilePolicies,
  compilePolicy,
  MAX_RULE_NESTING,
} from './compile.ts';
export { CRITERIA } from './criteria/registry.ts';
export { formatTrace } from './format-trace.ts';
export { lintPolicy } from './lint.ts';
export { isOpenPolicy } from './open.ts';
export {
  type PolicyTestFile,
  PolicyTestFileSchema,
  type PolicyTestResult,
  type PolicyTestRun,
  type ReplayChange,
  type ReplayEntry,
  replayDecisions,
  runPolicyTests,
} from './policy-tests.ts';
export {
  inputFromSpec,
  type PrincipalSpec,
  PrincipalSpecSchema,
  principalFromSpec,
  type RequestSpec,
  RequestSpecSchema,
  requestFromSpec,
} from './scenario.ts';
export type {
  CelLimits,
  CompiledPolicy,
  CriterionTrace,
  PolicyInput,
  PolicyProblem,
  PolicyResult,
  PolicyWarning,
  RuleTrace,
  RuleTraceResult,
  Trace,
} from './types.ts';
