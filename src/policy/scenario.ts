import { z } from 'zod';
import type { Principal, RequestInfo } from '../model/index.ts';
import type { PolicyInput } from './types.ts';

/**
 * A request scenario written by people (policy test files, `gatehouse explain` flags) or
 * rebuilt from an audit record (`policy replay`): who, what, when. The principal shape
 * accepts the audit log's `principal` object as is (spiffeId as a string, no credential).
 */

const Str = z.string().max(4096);

export const PrincipalSpecSchema = z
  .strictObject({
    kind: z.enum(['user', 'workload']).default('user').describe('user (default) or workload'),
    subject: Str.optional().describe('Subject (default: the SPIFFE ID, the email, or "test-subject")'),
    issuer: Str.optional().describe('Issuer (default https://issuer.test, or spiffe://<trust domain>)'),
    method: z
      .enum(['session', 'jwt', 'mtls'])
      .optional()
      .describe('Default: mtls with a spiffeId, else session'),
    source: Str.optional(),
    email: Str.optional(),
    groups: z.array(Str).max(10_000).default([]),
    claims: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Verified claims, as decoded from the token'),
    spiffeId: z
      .string()
      .regex(
        /^spiffe:\/\/[^/]+(\/.*)?$/,
        'expected a SPIFFE ID such as spiffe://prod.example.org/ns/ci/sa/deployer',
      )
      .optional(),
    kubernetes: z.strictObject({ namespace: Str, serviceAccount: Str, podName: Str.optional() }).optional(),
    authTime: z.number().optional().describe('Epoch seconds'),
    expiresAt: z.number().optional().describe('Epoch seconds'),
    acr: Str.optional(),
    amr: z.array(Str).optional(),
  })
  .describe('The caller; omit (or null) for an anonymous request');

export const RequestSpecSchema = z
  .strictObject({
    method: z
      .string()
      .regex(/^[A-Za-z]+$/)
      .default('GET'),
    scheme: z.enum(['http', 'https']).default('https'),
    host: z.string().min(1).max(253).default('app.example.com').describe('Lower-case host, no port'),
    path: z.string().startsWith('/').default('/'),
    query: z.string().default('').describe('Raw query string without "?"'),
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
    clientAddress: z.string().default('192.0.2.10'),
  })
  .describe('The request (defaults: GET https://app.example.com/ from 192.0.2.10)');

/** A time: epoch seconds or an ISO 8601 date-time. */
export const WhenSchema = z.union([
  z.number(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s) / 1000),
]);

export type PrincipalSpec = z.input<typeof PrincipalSpecSchema>;
export type RequestSpec = z.input<typeof RequestSpecSchema>;

/** Build a Principal from its written form (already validated, or validated here). */
export function principalFromSpec(spec: PrincipalSpec): Principal {
  const s = PrincipalSpecSchema.parse(spec);
  const spiffe = s.spiffeId ? parseSpiffe(s.spiffeId) : undefined;
  return Object.freeze({
    kind: s.kind,
    subject: s.subject ?? spiffe?.id ?? s.email ?? 'test-subject',
    issuer: s.issuer ?? (spiffe ? `spiffe://${spiffe.trustDomain}` : 'https://issuer.test'),
    method: s.method ?? (spiffe ? 'mtls' : 'session'),
    groups: Object.freeze([...s.groups]),
    claims: Object.freeze({ ...s.claims }),
    source: s.source ?? 'test',
    ...(s.email !== undefined ? { email: s.email } : {}),
    ...(spiffe ? { spiffe } : {}),
    ...(s.kubernetes ? { kubernetes: s.kubernetes } : {}),
    ...(s.authTime !== undefined ? { authTime: s.authTime } : {}),
    ...(s.expiresAt !== undefined ? { expiresAt: s.expiresAt } : {}),
    ...(s.acr !== undefined ? { acr: s.acr } : {}),
    ...(s.amr !== undefined ? { amr: Object.freeze([...s.amr]) } : {}),
  });
}

/** Build a RequestInfo from its written form. */
export function requestFromSpec(spec: RequestSpec = {}, id = 'scenario'): RequestInfo {
  const s = RequestSpecSchema.parse(spec);
  const headers = Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    id,
    method: s.method.toUpperCase(),
    scheme: s.scheme,
    host: s.host.toLowerCase(),
    port: s.scheme === 'https' ? 443 : 80,
    path: s.path,
    query: s.query,
    headers: { host: s.host, ...headers },
    peerAddress: s.clientAddress,
    clientAddress: s.clientAddress,
    listener: 'scenario',
  };
}

/** A full policy input from written parts. `nowSeconds` is required: scenarios never read the wall clock. */
export function inputFromSpec(spec: {
  principal?: PrincipalSpec | null | undefined;
  request?: RequestSpec | undefined;
  nowSeconds: number;
  routeId?: string | undefined;
}): PolicyInput {
  return {
    principal: spec.principal ? principalFromSpec(spec.principal) : undefined,
    request: requestFromSpec(spec.request),
    nowSeconds: spec.nowSeconds,
    ...(spec.routeId !== undefined ? { routeId: spec.routeId } : {}),
  };
}

function parseSpiffe(id: string): Principal['spiffe'] {
  const rest = id.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  return Object.freeze({
    id,
    trustDomain: slash < 0 ? rest : rest.slice(0, slash),
    path: slash < 0 ? '' : rest.slice(slash),
  });
}
