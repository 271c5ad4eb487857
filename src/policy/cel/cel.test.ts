import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EvalContext } from '../eval-context.ts';
import { makeInput, userPrincipal, workloadPrincipal } from '../testing.ts';
import { type CelProgram, celVariables, compileCel } from './index.ts';

function program(expr: string): CelProgram {
  const r = compileCel(expr);
  if (!r.ok) throw new Error(r.message);
  return r.program;
}

function compileError(expr: string, limits = {}): string {
  const r = compileCel(expr, limits);
  assert.equal(r.ok, false, `expected "${expr.slice(0, 60)}" to be refused`);
  return r.ok ? '' : r.message;
}

const userCtx = (request = {}) =>
  new EvalContext(
    makeInput(
      userPrincipal({
        claims: { n: 3, ratio: 0.5, org: { id: 'acme' }, roles: ['a', 'b'], email_verified: true },
      }),
      request,
    ),
  );

describe('CEL conditions', () => {
  it('evaluates over principal, request and context', () => {
    const vars = celVariables(userCtx({ method: 'GET', headers: { 'x-env': 'prod' }, query: 'a=1&b=x%20y' }));
    const holds = (expr: string) => program(expr).evaluate(vars);
    assert.equal(holds("principal.groups.exists(g, g == 'engineering') && request.method == 'GET'"), true);
    assert.equal(holds("principal.kind == 'user' && principal.authenticated"), true);
    assert.equal(
      holds("principal.claims.n == 3 && principal.claims.ratio < 1.0 && principal.claims.org.id == 'acme'"),
      true,
    );
    assert.equal(holds("'b' in principal.claims.roles"), true);
    assert.equal(holds("request.headers['x-env'] == 'prod' && !('x-other' in request.headers)"), true);
    assert.equal(holds("request.query['b'] == 'x y' && request.query.a == '1'"), true);
    assert.equal(holds("context.routeId == 'app' && context.nowSeconds > 1000000000"), true);
    assert.equal(holds("context.now > timestamp('2020-01-01T00:00:00Z')"), true);
    assert.equal(holds('principal.authTime > 0 && principal.expiresAt > principal.authTime'), true);
    assert.equal(holds("principal.email.endsWith('@example.com')"), true);
    assert.equal(holds('has(principal.spiffe)'), false);
    assert.equal(holds("principal.?spiffe.trustDomain.orValue('') == ''"), true);
  });

  it('workload fields and an anonymous principal', () => {
    const w = celVariables(new EvalContext(makeInput(workloadPrincipal('ci', 'deployer'))));
    assert.equal(
      program(
        "principal.spiffe.trustDomain == 'prod.example.org' && principal.kubernetes.namespace == 'ci'",
      ).evaluate(w),
      true,
    );
    const anon = celVariables(new EvalContext(makeInput(undefined)));
    assert.equal(
      program("!principal.authenticated && principal.kind == '' && size(principal.groups) == 0").evaluate(
        anon,
      ),
      true,
    );
  });

  it('a repeated query parameter reads as its values joined, so equality with one value fails', () => {
    const vars = celVariables(userCtx({ query: 'tenant=a&tenant=b' }));
    assert.equal(program("request.query.tenant == 'a'").evaluate(vars), false);
  });

  it('refuses syntax errors, unknown variables and fields, and type errors at load', () => {
    assert.match(compileError('1 +'), /syntax/);
    assert.match(compileError('foo == 1'), /Unknown variable: foo/);
    assert.match(compileError('principal.grups == 1'), /No such key: grups/);
    assert.match(compileError('request.headerz.size() > 0'), /No such key: headerz/);
    assert.match(compileError('principal.kind == 1'), /no such overload/);
    assert.match(compileError("request.method + 1 == 'x'"), /type check/);
    assert.match(compileError('request.path'), /must be a bool expression, not string/);
  });

  it('refuses run-away expressions at load', () => {
    assert.match(compileError(`request.path == '${'a'.repeat(5000)}'`), /limit is 4096/);
    assert.match(compileError(`${'('.repeat(40)}true${')'.repeat(40)}`), /maxDepth/);
    assert.match(compileError(`true${'&&true'.repeat(600)}`), /maxAstNodes/);
    assert.match(
      compileError(
        'principal.groups.exists(a, principal.groups.exists(b, principal.groups.exists(c, a == c)))',
      ),
      /nest more than 2/,
    );
    assert.match(compileError('request.path.matches(request.host)'), /literal pattern/);
    assert.match(compileError("request.path.matches('(a+)+$')"), /backtrack/);
    assert.match(compileError("matches(request.path, '(a|ab)*c')"), /backtrack/);
  });

  it('limits are configurable', () => {
    assert.match(compileError("request.path == '/a'", { maxExpressionLength: 10 }), /limit is 10/);
    assert.equal(compileCel(`true${'&&true'.repeat(600)}`, { maxAstNodes: 5000 }).ok, true);
  });

  it('evaluation never throws: errors and non-bool results are failures', () => {
    const vars = celVariables(userCtx());
    const missing = program("principal.claims.department == 'eng'").run(vars);
    assert.equal(typeof missing === 'object' && /No such key/.test(missing.message), true);
    const notBool = program('principal.claims.org').run(vars);
    assert.equal(typeof notBool === 'object' && /not a bool/.test(notBool.message), true);
    assert.equal(program("principal.claims.department == 'eng'").evaluate(vars), false);
    const divide = program('1 / (principal.claims.n - 3) == 1').run(vars);
    assert.equal(typeof divide, 'object');
  });

  it('records whether the expression reads the principal', () => {
    assert.equal(program("request.method == 'GET'").referencesPrincipal, false);
    assert.equal(program("principal.kind == 'user'").referencesPrincipal, true);
  });

  it('CEL variables are built once per evaluation', () => {
    const ctx = userCtx();
    assert.equal(celVariables(ctx), celVariables(ctx));
  });
});
