import type { KubernetesIdentity, SpiffeId } from '../../model/index.ts';

/**
 * The Kubernetes identity in a SPIFFE ID of the conventional shape
 * `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>` (Istio, SPIRE's Kubernetes
 * registrars, csi-driver-spiffe). Only that exact shape counts, with a namespace that is a
 * DNS-1123 label and a service account name that is a DNS-1123 subdomain, as the API server
 * requires: anything else is not read as Kubernetes identity.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespace and service account from a `/ns/<ns>/sa/<sa>` SPIFFE ID path, or undefined. */
export function kubernetesFromSpiffeId(id: SpiffeId): KubernetesIdentity | undefined {
  const parts = id.path.split('/');
  // '' / 'ns' / ns / 'sa' / sa
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'ns' || parts[3] !== 'sa') return undefined;
  const namespace = parts[2]!;
  const serviceAccount = parts[4]!;
  if (!DNS1123_LABEL.test(namespace)) return undefined;
  if (serviceAccount.length > 253 || !DNS1123_SUBDOMAIN.test(serviceAccount)) return undefined;
  return Object.freeze({ namespace, serviceAccount });
}
