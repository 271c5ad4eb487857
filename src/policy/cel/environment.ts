import { Environment } from '@marcbachmann/cel-js';
import { CelContext, CelKubernetes, CelPrincipal, CelRequest, CelSpiffe } from './variables.ts';

/**
 * The CEL environment: the three variables and their field types, so an unknown field
 * (`principal.grups`) or a mistyped comparison (`principal.kind == 1`) fails when the policy
 * is loaded, not on a request. Built once per set of structural limits.
 */

const environments = new Map<string, Environment>();

export interface StructuralLimits {
  readonly maxDepth: number;
  readonly maxAstNodes: number;
}

/** The shared environment for these parser limits. */
export function celEnvironment(limits: StructuralLimits): Environment {
  const key = `${limits.maxDepth}:${limits.maxAstNodes}`;
  let env = environments.get(key);
  if (!env) {
    env = createEnvironment(limits);
    environments.set(key, env);
  }
  return env;
}

function createEnvironment(limits: StructuralLimits): Environment {
  return new Environment({
    unlistedVariablesAreDyn: false,
    enableOptionalTypes: true,
    limits: {
      maxDepth: limits.maxDepth,
      maxAstNodes: limits.maxAstNodes,
      maxListElements: 1000,
      maxMapEntries: 1000,
    },
  })
    .registerType('gatehouse.Spiffe', {
      ctor: CelSpiffe,
      fields: { id: 'string', trustDomain: 'string', path: 'string' },
    })
    .registerType('gatehouse.Kubernetes', {
      ctor: CelKubernetes,
      fields: { namespace: 'string', serviceAccount: 'string', podName: 'string' },
    })
    .registerType('gatehouse.Principal', {
      ctor: CelPrincipal,
      fields: {
        authenticated: 'bool',
        kind: 'string',
        subject: 'string',
        issuer: 'string',
        method: 'string',
        groups: 'list<string>',
        claims: 'map<string, dyn>',
        email: 'string',
        spiffe: 'gatehouse.Spiffe',
        kubernetes: 'gatehouse.Kubernetes',
        authTime: 'int',
        expiresAt: 'int',
        acr: 'string',
        amr: 'list<string>',
        source: 'string',
      },
    })
    .registerType('gatehouse.Request', {
      ctor: CelRequest,
      fields: {
        method: 'string',
        scheme: 'string',
        host: 'string',
        path: 'string',
        clientAddress: 'string',
        headers: 'map<string, string>',
        query: 'map<string, string>',
      },
    })
    .registerType('gatehouse.Context', {
      ctor: CelContext,
      fields: { now: 'google.protobuf.Timestamp', nowSeconds: 'int', routeId: 'string' },
    })
    .registerVariable('principal', 'gatehouse.Principal', {
      description: 'The caller (anonymous: authenticated false)',
    })
    .registerVariable('request', 'gatehouse.Request', { description: 'The normalised request' })
    .registerVariable('context', 'gatehouse.Context', { description: 'Decision time and route' });
}
