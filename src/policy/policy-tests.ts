import { z } from 'zod';
import { type PolicyConfig, PolicySchema } from '../config/schema-policy.ts';
import { isReason, type Outcome, type Reason } from '../model/index.ts';
import { compilePolicy } from './compile.ts';
import { escapePointer } from './pointer.ts';
import { inputFromSpec, PrincipalSpecSchema, RequestSpecSchema, WhenSchema } from './scenario.ts';
import type { CompiledPolicy, PolicyInput, PolicyProblem, PolicyResult, Trace } from './types.ts';

/**
 * `gatehouse policy test` and `gatehouse policy replay` as pure functions: the CLI reads
 * files and prints; these decide pass / fail and what changed.
 *
 * A test file:
 * ```yaml
 * tests:
 *   - name: engineers may read
 *     policy: engineering-apps          # a named policy, or an inline { allow, deny }
 *     principal: { groups: [engineering], email: alice@example.com }
 *     request: { method: GET, path: /dashboards }
 *     now: 2024-01-15T10:00:00Z          # or epoch seconds (default 2024-01-15T12:00:00Z)
 *     expect: { outcome: allow, ruleId: engineers }
 *   - name: anonymous callers must log in
 *     policy: engineering-apps
 *     expect: { outcome: deny, reasons: [no-rule-matched, user-unauthenticated] }
 * ```
 */

const DEFAULT_NOW = Date.parse('2024-01-15T12:00:00Z') / 1000;

const ReasonCode = z.string().refine(isReason, { error: 'unknown reason code (see docs/reasons.md)' });

export const PolicyTestCaseSchema = z.strictObject({
  name: z.string().min(1).max(256),
  policy: z.union([z.string(), PolicySchema]).describe('A named policy, or an inline one'),
  principal: PrincipalSpecSchema.nullable().optional(),
  request: RequestSpecSchema.optional(),
  now: WhenSchema.optional().describe('Decision time (default 2024-01-15T12:00:00Z, a Monday)'),
  routeId: z.string().optional(),
  expect: z
    .strictObject({
      outcome: z.enum(['allow', 'deny', 'challenge']),
      ruleId: z.string().optional().describe('The rule that decided'),
      reasons: z.array(ReasonCode).optional().describe('The exact reason list'),
      reason: ReasonCode.optional().describe('A reason the decision must include'),
    })
    .describe('What the decision must be'),
});

export const PolicyTestFileSchema = z.strictObject({
  tests: z.array(PolicyTestCaseSchema).min(1, 'a test file needs at least one test'),
});

export type PolicyTestFile = z.input<typeof PolicyTestFileSchema>;

export interface PolicyTestResult {
  readonly name: string;
  /** JSON pointer of the test case in its file. */
  readonly pointer: string;
  readonly passed: boolean;
  readonly expected: {
    readonly outcome: Outcome;
    readonly ruleId?: string;
    readonly reasons?: readonly Reason[];
    readonly reason?: Reason;
  };
  readonly actual: PolicyResult;
  /** What differed, for people: `outcome: expected allow, got deny`. Empty when passed. */
  readonly mismatches: readonly string[];
  /** The decision trace, for failed tests (print it with formatTrace). */
  readonly trace?: Trace;
}

export type PolicyTestRun =
  | { readonly errors: readonly PolicyProblem[]; readonly results?: undefined }
  | {
      readonly results: readonly PolicyTestResult[];
      readonly passed: number;
      readonly failed: number;
      readonly errors?: undefined;
    };

/**
 * Validate and run a policy test file (already parsed from YAML). Named policies come from
 * the config (`policies`), as configs or already compiled. Problems in the file (bad shape,
 * an unknown policy name, a policy that does not compile) are reported with pointers into
 * the test file; they are not test failures.
 */
export function runPolicyTests(
  file: unknown,
  namedPolicies: Readonly<Record<string, PolicyConfig | CompiledPolicy>> = {},
): PolicyTestRun {
  const parsed = PolicyTestFileSchema.safeParse(file);
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.map((i) => ({
        pointer: i.path.map((p) => `/${escapePointer(String(p))}`).join(''),
        message: i.message,
      })),
    };
  }
  const errors: PolicyProblem[] = [];
  const results: PolicyTestResult[] = [];
  const compiledByName = new Map<string, CompiledPolicy>();
  for (const [i, t] of parsed.data.tests.entries()) {
    const pointer = `/tests/${i}`;
    let policy: CompiledPolicy | undefined;
    if (typeof t.policy === 'string' && compiledByName.has(t.policy)) policy = compiledByName.get(t.policy);
    else {
      const r = compilePolicy(t.policy, { pointer: `${pointer}/policy`, namedPolicies });
      if (r.errors) {
        errors.push(...r.errors);
        continue;
      }
      policy = r.policy;
      if (typeof t.policy === 'string') compiledByName.set(t.policy, policy);
    }
    if (!policy) continue;
    const input: PolicyInput = inputFromSpec({
      principal: t.principal,
      request: t.request,
      nowSeconds: t.now ?? DEFAULT_NOW,
      routeId: t.routeId,
    });
    const actual = policy.evaluate(input);
    const mismatches = compare(t.expect, actual);
    results.push({
      name: t.name,
      pointer,
      passed: mismatches.length === 0,
      expected: t.expect as PolicyTestResult['expected'],
      actual,
      mismatches,
      ...(mismatches.length > 0 ? { trace: policy.explain(input) } : {}),
    });
  }
  if (errors.length > 0) return { errors };
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed };
}

function compare(expect: z.output<typeof PolicyTestCaseSchema>['expect'], actual: PolicyResult): string[] {
  const out: string[] = [];
  if (expect.outcome !== actual.outcome)
    out.push(`outcome: expected ${expect.outcome}, got ${actual.outcome}`);
  if (expect.ruleId !== undefined && expect.ruleId !== actual.ruleId) {
    out.push(`ruleId: expected ${expect.ruleId}, got ${actual.ruleId ?? 'none'}`);
  }
  if (expect.reasons !== undefined && expect.reasons.join(',') !== actual.reasons.join(',')) {
    out.push(`reasons: expected [${expect.reasons.join(', ')}], got [${actual.reasons.join(', ')}]`);
  }
  if (expect.reason !== undefined && !actual.reasons.includes(expect.reason as Reason)) {
    out.push(`reasons: expected to include ${expect.reason}, got [${actual.reasons.join(', ')}]`);
  }
  return out;
}

/** One recorded decision to replay: the input rebuilt from the audit record, and what was decided then. */
export interface ReplayEntry<T = unknown> {
  readonly input: PolicyInput;
  readonly recorded: { readonly outcome: Outcome; readonly ruleId?: string | undefined };
  /** Whatever the caller needs to point back at the record (a line number, a request id). */
  readonly ref?: T;
}

export interface ReplayChange<T = unknown> {
  readonly ref: T | undefined;
  readonly recorded: ReplayEntry['recorded'];
  readonly now: PolicyResult;
}

/**
 * Re-decide recorded requests with a (new) policy and list those whose outcome or deciding
 * rule changed: what a policy change would do to real traffic before it is enforced.
 */
export function replayDecisions<T>(
  entries: Iterable<ReplayEntry<T>>,
  policy: CompiledPolicy,
): { readonly total: number; readonly changed: readonly ReplayChange<T>[] } {
  let total = 0;
  const changed: ReplayChange<T>[] = [];
  for (const e of entries) {
    total++;
    const now = policy.evaluate(e.input);
    const ruleChanged = e.recorded.ruleId !== undefined && e.recorded.ruleId !== now.ruleId;
    if (now.outcome !== e.recorded.outcome || ruleChanged)
      changed.push({ ref: e.ref, recorded: e.recorded, now });
  }
  return { total, changed };
}
