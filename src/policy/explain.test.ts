import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy } from './compile.ts';
import { formatTrace } from './format-trace.ts';
import { makeInput, userPrincipal } from './testing.ts';

const compiled = compilePolicy(
  {
    allow: [
      {
        id: 'engineers',
        description: 'read access',
        groups: { anyOf: ['engineering'] },
        method: ['GET', 'HEAD'],
      },
      { id: 'sre', any: [{ groups: { anyOf: ['sre'] } }, { email: 'oncall@example.com' }] },
      { id: 'admins', groups: { anyOf: ['admin'] }, challenge: { maxAgeSeconds: 300 } },
    ],
    deny: [{ id: 'no-contractors', claim: { path: 'employment.type', equals: 'contractor' } }],
  },
  { pointer: '/policies/engineering-apps', name: 'engineering-apps' },
);
const policy = compiled.policy!;

describe('explain', () => {
  it('records every rule and criterion with its result and reason', () => {
    const trace = policy.explain(makeInput(userPrincipal(), { method: 'POST' }));
    assert.equal(trace.outcome, 'deny');
    assert.deepEqual(trace.reasons, ['no-rule-matched', 'method-not-allowed']);
    assert.equal(trace.policy, 'engineering-apps');
    assert.equal(trace.routeId, 'app');
    assert.deepEqual(
      trace.rules.map((r) => [r.id, r.effect, r.result]),
      [
        ['no-contractors', 'deny', 'not-matched'],
        ['engineers', 'allow', 'not-matched'],
        ['sre', 'allow', 'not-matched'],
        ['admins', 'allow', 'not-matched'],
      ],
    );
    const engineers = trace.rules[1]!;
    assert.deepEqual(
      engineers.criteria.map((c) => [c.name, c.argument, c.passed, c.reason]),
      [
        ['groups', '{anyOf: [engineering]}', true, undefined],
        ['method', '[GET, HEAD]', false, 'method-not-allowed'],
      ],
    );
    assert.equal(engineers.criteria[1]?.pointer, '/policies/engineering-apps/allow/0/method');
    const sre = trace.rules[2]!.criteria[0]!;
    assert.equal(sre.name, 'any');
    assert.equal(sre.children?.length, 2);
    assert.equal(sre.children?.[0]?.children?.[0]?.passed, false);
  });

  it('marks criteria and rules that were not evaluated', () => {
    const trace = policy.explain(makeInput(userPrincipal({ groups: ['sre'] }), { method: 'DELETE' }));
    assert.equal(trace.ruleId, 'sre');
    assert.equal(trace.rules[1]?.criteria[1]?.passed, null);
    assert.equal(trace.rules[3]?.result, 'not-evaluated');
  });

  it('for an anonymous caller, allow rules say log in; deny rules keep their own reason', () => {
    const trace = policy.explain(makeInput(undefined));
    assert.deepEqual(trace.reasons, ['no-rule-matched', 'user-unauthenticated']);
    assert.equal(trace.rules[0]?.criteria[0]?.reason, 'claim-unauthorized');
    assert.equal(trace.rules[1]?.result, 'unauthenticated');
  });

  it('explain and evaluate agree, including challenges', () => {
    for (const input of [
      makeInput(userPrincipal()),
      makeInput(undefined),
      makeInput(userPrincipal({ groups: ['admin'], authTime: 0 })),
      makeInput(userPrincipal({ claims: { employment: { type: 'contractor' } } })),
    ]) {
      const r = policy.evaluate(input);
      const t = policy.explain(input);
      assert.deepEqual(
        [t.outcome, t.ruleId, t.reasons, t.challenge],
        [r.outcome, r.ruleId, r.reasons, r.challenge],
      );
    }
  });

  it('formatTrace prints rules, marks, reasons and the outcome', () => {
    const text = formatTrace(policy.explain(makeInput(userPrincipal({ groups: ['admin'], authTime: 0 }))));
    assert.match(text, /^route app, policy engineering-apps$/m);
    assert.match(text, /^deny rules:$/m);
    assert.match(text, /✗ no-contractors — did not match/);
    assert.match(text, /✗ groups \{anyOf: \[engineering\]\} {2}-> group-unauthorized/);
    assert.match(text, /· method \[GET, HEAD\]/);
    assert.match(text, /✓ admins — matched, but authentication must be refreshed/);
    assert.match(text, /^outcome: challenge \(rule admins\)$/m);
    assert.match(text, /^reasons: auth-too-old$/m);
    assert.match(text, /^challenge: authenticated within 300s$/m);
  });

  it('formatTrace for an empty policy says it denies everything', () => {
    const empty = compilePolicy({}, { pointer: '/p' }).policy!;
    assert.match(formatTrace(empty.explain(makeInput(undefined))), /no rules: the policy denies everything/);
  });
});
