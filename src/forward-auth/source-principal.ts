import {
  type Authenticator,
  type AuthnResult,
  kubernetesFromSpiffeId,
  NOT_MINE,
  parseSpiffeId,
  trustDomainId,
} from '../identity/index.ts';
import type { Principal, RequestInfo } from '../model/index.ts';

/**
 * The caller's mTLS identity as an Envoy gateway verified it (`attributes.source.principal`),
 * believed only when `forwardAuth.grpc.trustSourcePrincipal` says the gateway is trusted.
 * The ext_authz service attaches it to the RequestInfo it built; this authenticator, first in
 * the chain for ext_authz checks, turns it into a workload principal.
 */
const attached = new WeakMap<RequestInfo, string>();

/** Record the gateway-verified principal of a check (before calling decide()). */
export function attachSourcePrincipal(info: RequestInfo, principal: string): void {
  attached.set(info, principal);
}

const CACHE_LIMIT = 1024;

/**
 * An authenticator that answers only for checks with an attached source principal. It must
 * be a SPIFFE ID with a path (an SVID), of a configured trust domain when `identity.mtls`
 * lists any. The principal carries no authTime: the handshake time is the gateway's secret.
 * Its `/ns/<ns>/sa/<sa>` path names a Kubernetes service account only in `kubernetesDomains`
 * (trust domains configured with `kubernetes: true`).
 */
export function sourcePrincipalAuthenticator(
  trustDomains: ReadonlySet<string> | undefined,
  kubernetesDomains: ReadonlySet<string> = new Set(),
): Authenticator {
  const cache = new Map<string, AuthnResult>();
  return {
    name: 'ext-authz-source',
    authenticate(request: RequestInfo): AuthnResult {
      const id = attached.get(request);
      if (id === undefined) return NOT_MINE;
      const hit = cache.get(id);
      if (hit) return hit;
      const result = resolve(id, trustDomains, kubernetesDomains);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(id, result);
      return result;
    },
  };
}

function resolve(
  id: string,
  trustDomains: ReadonlySet<string> | undefined,
  kubernetesDomains: ReadonlySet<string>,
): AuthnResult {
  const spiffe = parseSpiffeId(id);
  if (!spiffe || spiffe.path === '') {
    return Object.freeze({
      status: 'denied',
      reason: 'cert-spiffe-id-invalid',
      detail: 'ext_authz source principal is not a SPIFFE ID with a path',
    });
  }
  if (trustDomains && !trustDomains.has(spiffe.trustDomain)) {
    return Object.freeze({
      status: 'denied',
      reason: 'cert-trust-domain-unknown',
      detail: 'ext_authz source principal',
    });
  }
  // a Kubernetes service account only in a domain configured to name them (identity.mtls)
  const kubernetes = kubernetesDomains.has(spiffe.trustDomain) ? kubernetesFromSpiffeId(spiffe) : undefined;
  const principal: Principal = Object.freeze({
    kind: 'workload',
    subject: spiffe.id,
    issuer: trustDomainId(spiffe.trustDomain),
    method: 'mtls',
    groups: Object.freeze([]),
    claims: Object.freeze({ spiffe_id: spiffe.id, via: 'ext-authz-source-principal' }),
    spiffe,
    ...(kubernetes ? { kubernetes } : {}),
    source: spiffe.trustDomain,
  });
  return Object.freeze({ status: 'authenticated', principal });
}
