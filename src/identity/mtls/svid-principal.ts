import type { Principal } from '../../model/index.ts';
import { trustDomainId } from '../spiffe-id.ts';
import { kubernetesFromSpiffeId } from './spiffe-kubernetes.ts';
import type { VerifiedSvid } from './svid.ts';

/**
 * The parts of a principal that depend only on the verified certificate, built once per
 * verification and reused on cache hits; `principalAt` adds the per-request authTime.
 */
export interface SvidIdentity {
  readonly subject: string;
  readonly issuer: string;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly spiffe: Principal['spiffe'];
  readonly kubernetes: Principal['kubernetes'];
  readonly expiresAt: number;
  readonly source: string;
}

const NO_GROUPS: readonly string[] = Object.freeze([]);

/**
 * Describe a verified SVID. Claims carry identifiers only, never key material. `kubernetes`:
 * the trust domain is configured to name Kubernetes service accounts in `/ns/<ns>/sa/<sa>`.
 */
export function svidIdentity(svid: VerifiedSvid, kubernetes: boolean): SvidIdentity {
  const { spiffeId, leaf } = svid;
  return Object.freeze({
    subject: spiffeId.id,
    issuer: trustDomainId(spiffeId.trustDomain),
    claims: Object.freeze({
      spiffe_id: spiffeId.id,
      x509_serial: leaf.x509.serialNumber,
      x509_not_after: leaf.notAfter,
      'x5t#S256': leaf.fingerprint,
    }),
    spiffe: spiffeId,
    kubernetes: kubernetes ? kubernetesFromSpiffeId(spiffeId) : undefined,
    expiresAt: leaf.notAfter,
    source: spiffeId.trustDomain,
  });
}

/** The frozen principal for a request at `nowSeconds`. */
export function principalAt(identity: SvidIdentity, nowSeconds: number): Principal {
  const p: Principal = {
    kind: 'workload',
    subject: identity.subject,
    issuer: identity.issuer,
    method: 'mtls',
    groups: NO_GROUPS,
    claims: identity.claims,
    spiffe: identity.spiffe,
    ...(identity.kubernetes ? { kubernetes: identity.kubernetes } : {}),
    authTime: nowSeconds,
    expiresAt: identity.expiresAt,
    source: identity.source,
  };
  return Object.freeze(p);
}
