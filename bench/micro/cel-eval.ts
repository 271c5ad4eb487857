/**
 * CEL micro-benchmark: one typical `when:` condition over the bench user and a GET request.
 * - bare: the compiled expression (`compileCel`, src/policy/cel) run over variables built
 *   once: the cost of the expression itself;
 * - policy: a one-rule policy `allow: [{ when: <expr> }]` (`compilePolicy`, src/policy)
 *   evaluated per op: the expression plus what a `when` adds to a decision (evaluation
 *   context, CEL variables built for that evaluation, the rule loop).
 * Usage: node micro/cel-eval.ts '{"repoRoot","mode","durationS","warmupS"}'
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_USER, benchRequest } from './policy-fixtures.ts';
import { answer, runMain, timeSync } from './timing.ts';

interface Input {
  repoRoot: string;
  mode: 'bare' | 'policy';
  durationS: number;
  warmupS: number;
}

/** The condition: a method, a group and a path prefix (three comparisons, one list lookup). */
export const CEL_EXPRESSION =
  'request.method == "GET" && "engineering" in principal.groups && request.path.startsWith("/api/")';

runMain<Input>(async (input) => {
  const src = (p: string) => pathToFileURL(join(input.repoRoot, 'src', p)).href;
  const policyRoom = (await import(src('policy/index.ts'))) as typeof import('../../src/policy/index.ts');
  const cel = (await import(src('policy/cel/index.ts'))) as typeof import('../../src/policy/cel/index.ts');
  const { EvalContext } = (await import(
    src('policy/eval-context.ts')
  )) as typeof import('../../src/policy/eval-context.ts');
  type PolicyInput = import('../../src/policy/index.ts').PolicyInput;

  const request = benchRequest('app.example.com', '/api/items/42') as unknown as PolicyInput['request'];
  const policyInput: PolicyInput = {
    principal: BENCH_USER,
    request,
    nowSeconds: Math.floor(Date.now() / 1000),
    routeId: 'r1',
  };
  let errors = 0;
  let op: (i: number) => void;
  if (input.mode === 'bare') {
    const compiled = policyRoom.compileCel(CEL_EXPRESSION);
    if (!compiled.ok)
      return answer({ skipped: `the bench expression does not compile: ${compiled.message}` });
    const program = compiled.program;
    const vars = cel.celVariables(new EvalContext(policyInput));
    if (program.run(vars) !== true)
      return answer({ skipped: 'the bench expression is not true for the bench user' });
    op = () => {
      if (program.run(vars) !== true) errors++;
    };
  } else {
    const compiled = policyRoom.compilePolicy(
      { allow: [{ id: 'cel', when: CEL_EXPRESSION }] },
      { pointer: '/bench' },
    );
    if (!compiled.policy)
      return answer({ skipped: `the bench policy does not compile: ${JSON.stringify(compiled.errors)}` });
    const policy = compiled.policy;
    if (policy.evaluate(policyInput).outcome !== 'allow')
      return answer({ skipped: 'the bench policy does not allow the bench user' });
    op = () => {
      if (policy.evaluate(policyInput).outcome !== 'allow') errors++;
    };
  }
  const timed = timeSync(op, { warmupMs: input.warmupS * 1000, durationMs: input.durationS * 1000 });
  answer({
    ...timed,
    errors,
    note: `${input.mode}: ${CEL_EXPRESSION}; ${timed.ops} evaluations; timer ${timed.timerOverheadNs} ns/op included`,
  });
});
