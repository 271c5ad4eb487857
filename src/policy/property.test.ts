import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../../test/helpers/prng.ts';
import type { PolicyConfig, RuleConfig } from '../config/schema-policy.ts';
import type { Principal } from '../model/index.ts';
import { compilePolicy } from './compile.ts';
import { makeInput, userPrincipal, workloadPrincipal } from './testing.ts';
import type { CompiledPolicy, PolicyInput } from './types.ts';

/**
 * Property tests over random policies and inputs, drawn from small domains so that rules
 * match often. A seeded PRNG (mulberry32) makes every run the same; a failure prints the
 * seed and the case.
 */

class Gen {
  readonly random: () => number;
  constructor(seed: number) {
    this.random = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  subset<T>(items: readonly T[]): T[] {
    const out = items.filter(() => this.chance(0.5));
    return out.length ? out : [this.pick(items)];
  }
}

const CEL = [
  "request.method == 'GET'",
  "principal.groups.exists(g, g == 'a')",
  "principal.claims.dept == 'eng'", // errors when the claim is missing: exercises fail-closed paths
  "request.path.startsWith('/api')",
  "has(principal.spiffe) && principal.spiffe.trustDomain == 'prod.example.org'",
];

function criterion(g: Gen): RuleConfig {
  switch (g.int(13)) {
    case 0:
      return { kind: g.pick(['user', 'workload'] as const) };
    case 1:
      return {
        groups: g.chance(0.5) ? { anyOf: g.subset(['a', 'b', 'c']) } : { allOf: g.subset(['a', 'b', 'c']) },
      };
    case 2:
      return { method: g.subset(['GET', 'POST', 'DELETE']) };
    case 3:
      return { path: { prefix: g.pick(['/', '/admin', '/api']) } };
    case 4:
      return { authenticated: g.chance(0.7) };
    case 5:
      return { host: [g.pick(['app.example.com', '*.example.com', 'other.example.org'])] };
    case 6:
      return {
        header: g.chance(0.5)
          ? { name: 'x-env', equals: g.pick(['prod', 'dev']) }
          : { name: 'x-env', present: g.chance(0.5) },
      };
    case 7:
      return { claim: { path: 'dept', equals: g.pick(['eng', 'ops']) } };
    case 8:
      return { sourceCidr: [g.pick(['10.0.0.0/8', '192.168.0.0/16', '::ffff:10.0.0.0/104'])] };
    case 9:
      return { when: g.pick(CEL) };
    case 10:
      return { timeWindow: { hours: g.pick(['09:00-17:00', '22:00-06:00']) } };
    case 11:
      return { spiffeId: { trustDomain: 'prod.example.org', path: g.pick(['/ns/ci/**', '/ns/*/sa/api']) } };
    default:
      return { query: { name: 'q', equals: g.pick(['1', '2']) } };
  }
}

function rule(g: Gen, depth: number): RuleConfig {
  const out: Record<string, unknown> = {};
  const n = g.int(3); // 0..2 criteria: empty rules happen too
  for (let i = 0; i < n; i++) Object.assign(out, criterion(g));
  if (depth < 2 && g.chance(0.25)) {
    const kind = g.pick(['any', 'all', 'not'] as const);
    out[kind] = kind === 'not' ? rule(g, depth + 1) : [rule(g, depth + 1), rule(g, depth + 1)];
  }
  return out as RuleConfig;
}

function policy(g: Gen): PolicyConfig {
  const allow = Array.from({ length: g.int(4) }, () => {
    const r = rule(g, 0);
    return g.chance(0.2) ? { ...r, challenge: { maxAgeSeconds: g.pick([60, 3600]) } } : r;
  });
  const deny = Array.from({ length: g.int(3) }, () => rule(g, 0));
  return { allow, deny };
}

function input(g: Gen): PolicyInput {
  let principal: Principal | undefined;
  const who = g.int(3);
  if (who === 1) {
    const claims: Record<string, unknown> = g.chance(0.7) ? { dept: g.pick(['eng', 'ops']) } : {};
    principal = userPrincipal({
      groups: g.subset(['a', 'b', 'c', 'd']),
      claims,
      authTime: 1_700_000_000 - g.pick([0, 120, 7200]),
    });
  } else if (who === 2) {
    principal = workloadPrincipal(g.pick(['ci', 'prod']), g.pick(['api', 'deployer']));
  }
  const headers: Record<string, string> = g.chance(0.6) ? { 'x-env': g.pick(['prod', 'dev']) } : {};
  return makeInput(
    principal,
    {
      method: g.pick(['GET', 'POST', 'DELETE']),
      path: g.pick(['/', '/admin/x', '/api/v1', '/administrator']),
      host: g.pick(['app.example.com', 'api.example.com', 'other.example.org']),
      headers,
      query: g.pick(['', 'q=1', 'q=2', 'q=1&q=2']),
      clientAddress: g.pick(['10.1.2.3', '192.168.1.1', '::ffff:10.9.9.9', '2001:db8::1']),
    },
    1_700_000_000 + g.int(86_400),
  );
}

function compile(config: PolicyConfig): CompiledPolicy {
  const r = compilePolicy(config, { pointer: '/p' });
  if (!r.policy) throw new Error(`generated policy does not compile: ${JSON.stringify(r.errors)}`);
  return r.policy;
}

const SEED = 20_240_601;
const POLICIES = 250;
const INPUTS = 12;

describe('policy properties (seeded)', () => {
  it('deny wins; allow needs an allow rule that allows alone; explain agrees with evaluate', () => {
    const g = new Gen(SEED);
    let denies = 0;
    let allows = 0;
    let challenges = 0;
    for (let p = 0; p < POLICIES; p++) {
      const config = policy(g);
      const compiled = compile(config);
      // Independent oracles: each rule on its own.
      const denyAlone = (config.deny ?? []).map((r) => compile({ deny: [r], allow: [{}] }));
      const allowAlone = (config.allow ?? []).map((r) => compile({ allow: [r] }));
      for (let i = 0; i < INPUTS; i++) {
        const x = input(g);
        const got = compiled.evaluate(x);
        const context = () =>
          `seed ${SEED}, policy ${p}, input ${i}\n${JSON.stringify(config)}\n${JSON.stringify(x)}\n${JSON.stringify(got)}`;

        const someDenyMatches = denyAlone.some((d) => d.evaluate(x).outcome === 'deny');
        if (someDenyMatches) assert.equal(got.outcome, 'deny', `(1) a deny rule matches: ${context()}`);

        const alone = allowAlone.map((a) => a.evaluate(x).outcome);
        if (got.outcome === 'allow') {
          assert.ok(
            alone.includes('allow') && !someDenyMatches,
            `allow without a sole allowing rule: ${context()}`,
          );
        }
        if (!someDenyMatches && alone.includes('allow'))
          assert.equal(got.outcome, 'allow', `an allow rule allows alone: ${context()}`);
        if (got.outcome === 'challenge')
          assert.ok(alone.includes('challenge') && !alone.includes('allow'), context());

        const trace = compiled.explain(x);
        assert.deepEqual(
          [trace.outcome, trace.ruleId, trace.reasons, trace.challenge],
          [got.outcome, got.ruleId, got.reasons, got.challenge],
          `(3) explain drifted: ${context()}`,
        );
        if (got.outcome === 'deny') denies++;
        else if (got.outcome === 'allow') allows++;
        else challenges++;
      }
    }
    // The generator must exercise every outcome, or the properties above prove little.
    assert.ok(
      denies > 200 && allows > 200 && challenges > 5,
      `outcomes: ${denies} deny, ${allows} allow, ${challenges} challenge`,
    );
  });

  it('(2) an empty policy, and one with only deny rules, always denies', () => {
    const g = new Gen(SEED + 1);
    const empties = [compile({}), compile({ allow: [], deny: [] })];
    for (let p = 0; p < 50; p++) {
      const onlyDeny = compile({ deny: Array.from({ length: 1 + g.int(3) }, () => rule(g, 0)) });
      for (let i = 0; i < 10; i++) {
        const x = input(g);
        for (const e of empties)
          assert.deepEqual(e.evaluate(x), { outcome: 'deny', reasons: ['no-rule-matched'] });
        assert.equal(onlyDeny.evaluate(x).outcome, 'deny');
      }
    }
  });
});
