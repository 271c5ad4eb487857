import type { PolicyConfig, RuleConfig } from '../config/schema-policy.ts';
import type { Principal, RequestInfo } from '../model/index.ts';
import { compilePolicy } from './compile.ts';
import type { PolicyInput, PolicyProblem, PolicyResult } from './types.ts';

/**
 * Small factories for tests (policy, decision, CLI): a plausible Principal / RequestInfo with
 * the fields a test cares about overridden. Not used by production code.
 */

/** A person who logged in through the OIDC session, in group `engineering`. */
export function userPrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    kind: 'user',
    subject: 'user-123',
    issuer: 'https://idp.example.com',
    method: 'session',
    groups: ['engineering'],
    claims: { email_verified: true },
    email: 'alice@example.com',
    authTime: 1_700_000_000,
    expiresAt: 1_700_003_600,
    acr: 'urn:example:pwd',
    amr: ['pwd'],
    source: 'oidc',
    ...overrides,
  };
}

/** A workload with an X.509-SVID (mTLS), `spiffe://prod.example.org/ns/<namespace>/sa/<sa>`. */
export function workloadPrincipal(
  namespace = 'ci',
  serviceAccount = 'deployer',
  overrides: Partial<Principal> = {},
): Principal {
  const id = `spiffe://prod.example.org/ns/${namespace}/sa/${serviceAccount}`;
  return {
    kind: 'workload',
    subject: id,
    issuer: 'spiffe://prod.example.org',
    method: 'mtls',
    groups: [],
    claims: {},
    spiffe: { id, trustDomain: 'prod.example.org', path: `/ns/${namespace}/sa/${serviceAccount}` },
    kubernetes: { namespace, serviceAccount },
    source: 'prod.example.org',
    ...overrides,
  };
}

/** A GET https://app.example.com/ from 10.1.2.3. `headers` are lower-case. */
export function makeRequest(overrides: Partial<RequestInfo> = {}): RequestInfo {
  return {
    id: 'req-1',
    method: 'GET',
    scheme: 'https',
    host: 'app.example.com',
    port: 443,
    path: '/',
    query: '',
    headers: { host: 'app.example.com' },
    peerAddress: '10.1.2.3',
    clientAddress: '10.1.2.3',
    listener: 'https',
    ...overrides,
  };
}

/** Noon UTC, Wednesday 15 November 2023 (epoch seconds). */
export const NOON_WEDNESDAY = 1_700_049_600;

/** A policy input: the given principal (pass `undefined` for anonymous), request and clock. */
export function makeInput(
  principal: Principal | undefined,
  request: Partial<RequestInfo> = {},
  nowSeconds: number = NOON_WEDNESDAY,
): PolicyInput {
  return { principal, request: makeRequest(request), nowSeconds, routeId: 'app' };
}

/** Compile a policy of one allow rule and evaluate it (throws on compile errors, for tests). */
export function evaluateRule(rule: RuleConfig, input: PolicyInput): PolicyResult {
  const compiled = compilePolicy({ allow: [rule] }, { pointer: '/p' });
  if (!compiled.policy) throw new Error(`rule does not compile: ${JSON.stringify(compiled.errors)}`);
  return compiled.policy.evaluate(input);
}

/** Whether a one-rule policy allows `input`. */
export function ruleAllows(rule: RuleConfig, input: PolicyInput): boolean {
  return evaluateRule(rule, input).outcome === 'allow';
}

/** The problems compiling a one-rule policy at pointer `/p` reports (empty when it compiles). */
export function ruleProblems(rule: unknown): readonly PolicyProblem[] {
  return compilePolicy({ allow: [rule] } as PolicyConfig, { pointer: '/p' }).errors ?? [];
}
