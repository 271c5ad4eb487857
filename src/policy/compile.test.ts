import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyConfig } from '../config/schema-policy.ts';
import { compilePolicies, compilePolicy } from './compile.ts';
import { makeInput, userPrincipal } from './testing.ts';

const errorsOf = (config: unknown, pointer = '/policies/x') =>
  compilePolicy(config as PolicyConfig, { pointer }).errors ?? [];

describe('compilePolicy', () => {
  it('names an unknown criterion at the exact rule, with a suggestion', () => {
    assert.deepEqual(errorsOf({ allow: [{ groups: { anyOf: ['a'] } }, { grups: { anyOf: ['a'] } }] }), [
      { pointer: '/policies/x/allow/1', message: 'unknown criterion "grups" (did you mean "groups"?)' },
    ]);
  });

  it('points inside combinators and at wrong types', () => {
    const errors = errorsOf(
      {
        deny: [{ any: [{ method: ['GET'] }, { not: { pth: { prefix: '/x' } } }] }],
        allow: [{ method: 'GET' }],
      },
      '/routes/3/policy',
    );
    assert.deepEqual(
      errors.map((e) => e.pointer),
      ['/routes/3/policy/allow/0/method', '/routes/3/policy/deny/0/any/1/not'],
    );
    assert.match(errors[1]?.message ?? '', /unknown criterion "pth"/);
  });

  it('reports every semantic problem at once, each with its pointer', () => {
    const errors = errorsOf({
      allow: [
        { id: 'a', sourceCidr: ['10.0.0.0/40'], when: 'principal.nope' },
        { id: 'a', timeWindow: { hours: '09:00-18:00', timezone: 'Nowhere/City' } },
      ],
      deny: [{ challenge: { maxAgeSeconds: 60 } }],
    });
    assert.deepEqual(
      errors.map((e) => e.pointer).sort(),
      [
        '/policies/x/allow/0/sourceCidr/0',
        '/policies/x/allow/0/when',
        '/policies/x/allow/1/id',
        '/policies/x/allow/1/timeWindow/timezone',
        '/policies/x/deny/0/challenge',
      ].sort(),
    );
  });

  it('refuses id and challenge inside sub-rules', () => {
    assert.deepEqual(
      errorsOf({
        allow: [
          {
            any: [{ id: 'inner', kind: 'user' }],
            not: { challenge: { maxAgeSeconds: 5 }, kind: 'workload' },
          },
        ],
      }).map((e) => e.pointer),
      ['/policies/x/allow/0/any/0/id', '/policies/x/allow/0/not/challenge'],
    );
  });

  it('caps nesting depth and list sizes', () => {
    let rule: Record<string, unknown> = { kind: 'user' };
    for (let i = 0; i < 10; i++) rule = { not: rule };
    const deep = errorsOf({ allow: [rule] });
    assert.equal(deep.length, 1);
    assert.match(deep[0]?.message ?? '', /nest more than 8 deep/);

    const huge = Array.from({ length: 10_001 }, (_, i) => `user-${i}`);
    assert.deepEqual(
      errorsOf({ allow: [{ subject: huge }] }).map((e) => e.pointer),
      ['/policies/x/allow/0/subject'],
    );
    assert.equal(errorsOf({ allow: [{ subject: huge.slice(0, 10_000) }] }).length, 0);
  });

  it('escapes pointer segments', () => {
    const r = compilePolicies({ 'a/b~c': { allow: [{ grups: {} }] as never } });
    assert.equal(r.errors[0]?.pointer, '/policies/a~1b~0c/allow/0');
  });

  it('resolves a named policy once and reuses the compiled object', () => {
    const { policies } = compilePolicies({ eng: { allow: [{ groups: { anyOf: ['engineering'] } }] } });
    const eng = policies.get('eng');
    assert.ok(eng);
    const again = compilePolicy('eng', {
      pointer: '/routes/0/policy',
      namedPolicies: Object.fromEntries(policies),
    });
    assert.equal(again.policy, eng);
    assert.equal(eng.name, 'eng');
    assert.equal(eng.evaluate(makeInput(userPrincipal())).outcome, 'allow');

    const fromConfig = compilePolicy('eng', {
      pointer: '/routes/0/policy',
      namedPolicies: { eng: { allow: [{ grups: {} }] } as never },
    });
    assert.equal(fromConfig.errors?.[0]?.pointer, '/policies/eng/allow/0');

    const unknown = compilePolicy('nope', { pointer: '/routes/0/policy', namedPolicies: {} });
    assert.deepEqual(unknown.errors, [
      { pointer: '/routes/0/policy', message: 'unknown named policy "nope"; defined: none' },
    ]);
  });

  it('applies CEL limits from the options', () => {
    const errors = compilePolicy(
      { allow: [{ when: "request.path == '/abc'" }] },
      { pointer: '/p', celLimits: { maxExpressionLength: 8 } },
    ).errors;
    assert.match(errors?.[0]?.message ?? '', /limit is 8/);
  });

  it('rule ids default to allow[N] / deny[N]', () => {
    const p = compilePolicy({ allow: [{ kind: 'workload' }, { kind: 'user' }] }, { pointer: '/p' }).policy;
    assert.equal(p?.evaluate(makeInput(userPrincipal())).ruleId, 'allow[1]');
  });
});
