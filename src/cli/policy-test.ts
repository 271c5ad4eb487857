import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Outcome, Reason } from '../model/index.ts';
import { isReason } from '../model/index.ts';
import {
  type CompiledPolicy,
  compilePolicy,
  formatTrace,
  PrincipalSpecSchema,
  principalFromSpec,
  RequestSpecSchema,
  requestFromSpec,
  type Trace,
} from '../policy/index.ts';
import { loadEngine, parseHeaderFlags, parseRequestLine, runSimulation } from './scenario.ts';

const ReasonCode = z.string().refine(isReason, { error: 'unknown reason code (see docs/reasons.md)' });
const When = z.union([z.number(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s) / 1000)]);

/**
 * A policy test file. Each case is a principal + a request + the expected outcome. The
 * request is routed through the config exactly as the proxy would; or, with `policy:`, a
 * named policy is tested on its own.
 */
export const TestFileSchema = z.strictObject({
  tests: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        principal: PrincipalSpecSchema.nullable().optional().describe('Omit or null: anonymous'),
        request: z
          .union([z.string(), RequestSpecSchema])
          .describe('"GET https://app.example.com/path" or { method, host, path, headers, query }'),
        headers: z.record(z.string(), z.string()).optional(),
        sourceIp: z.string().optional(),
        policy: z.string().optional().describe('Test this named policy instead of routing the request'),
        now: When.optional().describe('Decision time (default 2024-01-15T12:00:00Z)'),
        expect: z.strictObject({
          outcome: z.enum(['allow', 'deny', 'challenge']),
          rule: z.string().optional(),
          route: z.string().optional(),
          status: z.number().int().optional(),
          reasons: z.array(ReasonCode).optional(),
          reason: ReasonCode.optional(),
        }),
      }),
    )
    .min(1),
});

const DEFAULT_NOW = Date.parse('2024-01-15T12:00:00Z') / 1000;

interface Actual {
  outcome: Outcome;
  rule?: string | undefined;
  route?: string | undefined;
  status?: number;
  reasons: readonly Reason[];
  trace?: Trace | undefined;
}

/**
 * `gatehouse policy test -c CONFIG TESTS.yaml`: run every case, print each failure with its
 * trace, then `N passed, N failed`. Exit 1 on any failure or file problem, so CI can gate
 * policy changes.
 */
export async function runPolicyTestCommand(
  configFile: string,
  testFile: string,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const loaded = await loadEngine(configFile);
  if (!loaded.ok) {
    for (const m of loaded.messages) err(m);
    return 1;
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(testFile, 'utf8'));
  } catch (e) {
    err(`${testFile}: cannot read: ${(e as Error).message}`);
    return 1;
  }
  const parsed = TestFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) err(`${testFile}: error: /${i.path.join('/')}: ${i.message}`);
    return 1;
  }
  const named = new Map<string, CompiledPolicy>();
  let passed = 0;
  let failed = 0;
  for (const [index, t] of parsed.data.tests.entries()) {
    let actual: Actual;
    const principal = t.principal ? principalFromSpec(t.principal) : undefined;
    const now = t.now ?? DEFAULT_NOW;
    if (t.policy !== undefined) {
      let policy = named.get(t.policy);
      if (!policy) {
        const r = compilePolicy(t.policy, {
          pointer: `/tests/${index}/policy`,
          namedPolicies: loaded.config.policies,
        });
        if (r.errors) {
          for (const e of r.errors) err(`${testFile}: error: ${e.pointer}: ${e.message}`);
          return 1;
        }
        policy = r.policy;
        named.set(t.policy, policy);
      }
      const request =
        typeof t.request === 'string'
          ? parseRequestLine(t.request, { mergeSlashes: true, allowSemicolons: false })
          : ({ ok: true, request: requestFromSpec(t.request) } as const);
      if (!request.ok) {
        err(`${testFile}: error: /tests/${index}/request: ${request.message}`);
        return 1;
      }
      const input = { ...(principal ? { principal } : {}), request: request.request, nowSeconds: now };
      const r = policy.evaluate(input);
      actual = { outcome: r.outcome, rule: r.ruleId, reasons: r.reasons, trace: policy.explain(input) };
    } else {
      const line =
        typeof t.request === 'string'
          ? t.request
          : (() => {
              const s = RequestSpecSchema.parse(t.request);
              return `${s.method} ${s.scheme}://${s.host}${s.path}${s.query ? `?${s.query}` : ''}`;
            })();
      const headers =
        typeof t.request === 'string'
          ? parseHeaderFlags(Object.entries(t.headers ?? {}).map(([k, v]) => `${k}: ${v}`))
          : {};
      if (typeof t.request !== 'string') {
        const s = RequestSpecSchema.parse(t.request);
        for (const [k, v] of Object.entries(s.headers)) headers[k.toLowerCase()] = v;
      }
      const parsedReq = parseRequestLine(line, {
        headers,
        ...(t.sourceIp ? { clientAddress: t.sourceIp } : {}),
        mergeSlashes: loaded.config.proxy.mergeSlashes,
        allowSemicolons: loaded.config.proxy.allowSemicolons,
      });
      if (!parsedReq.ok) {
        actual = { outcome: 'deny', status: 400, reasons: ['request-invalid'] };
      } else {
        const sim = runSimulation(loaded.engine, principal, parsedReq.request, now);
        const d = sim.verdict.decision;
        actual = {
          outcome: d.outcome,
          rule: d.ruleId,
          route: d.routeId,
          status: sim.status,
          reasons: d.reasons,
          trace: sim.trace,
        };
      }
    }
    const mismatches = compare(t.expect, actual);
    if (mismatches.length === 0) {
      passed++;
      continue;
    }
    failed++;
    out(`✗ ${t.name}  (${testFile} /tests/${index})`);
    for (const m of mismatches) out(`    ${m}`);
    if (actual.trace) out(formatTrace(actual.trace).replace(/^/gm, '    '));
  }
  out(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

function compare(e: z.output<typeof TestFileSchema>['tests'][number]['expect'], a: Actual): string[] {
  const out: string[] = [];
  if (e.outcome !== a.outcome)
    out.push(`outcome: expected ${e.outcome}, got ${a.outcome} (${a.reasons.join(', ')})`);
  if (e.rule !== undefined && e.rule !== a.rule)
    out.push(`rule: expected ${e.rule}, got ${a.rule ?? 'none'}`);
  if (e.route !== undefined && e.route !== a.route)
    out.push(`route: expected ${e.route}, got ${a.route ?? 'none'}`);
  if (e.status !== undefined && e.status !== a.status)
    out.push(`status: expected ${e.status}, got ${a.status ?? 'n/a'}`);
  if (e.reasons !== undefined && e.reasons.join(',') !== a.reasons.join(',')) {
    out.push(`reasons: expected [${e.reasons.join(', ')}], got [${a.reasons.join(', ')}]`);
  }
  if (e.reason !== undefined && !a.reasons.includes(e.reason as Reason)) {
    out.push(`reasons: expected to include ${e.reason}, got [${a.reasons.join(', ')}]`);
  }
  return out;
}
