import type { KubernetesIdentity } from '../../model/index.ts';
import { isPlainObject } from './json-value.ts';

export type KubernetesResult =
  | { readonly ok: true; readonly identity: KubernetesIdentity }
  | { readonly ok: false; readonly detail: string };

const SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The Kubernetes identity of a projected service-account token: from the `kubernetes.io`
 * claim (`namespace`, `serviceaccount.name`, `pod.name`), or else from a `sub` of the form
 * `system:serviceaccount:NAMESPACE:NAME`. When both are present they must agree. Names must
 * be valid Kubernetes names (namespace: DNS label; service account and pod: DNS subdomain).
 */
export function readKubernetesIdentity(claims: Readonly<Record<string, unknown>>): KubernetesResult {
  const fromSubject = typeof claims.sub === 'string' ? SUBJECT.exec(claims.sub) : null;
  const k8s = claims['kubernetes.io'];
  let namespace: unknown;
  let serviceAccount: unknown;
  let podName: unknown;
  if (isPlainObject(k8s)) {
    namespace = k8s.namespace;
    serviceAccount = isPlainObject(k8s.serviceaccount) ? k8s.serviceaccount.name : undefined;
    podName = isPlainObject(k8s.pod) ? k8s.pod.name : undefined;
    if (fromSubject && (fromSubject[1] !== namespace || fromSubject[2] !== serviceAccount)) {
      return fail('sub and the kubernetes.io claim name different service accounts');
    }
  } else if (fromSubject) {
    namespace = fromSubject[1];
    serviceAccount = fromSubject[2];
  } else {
    return fail('neither a kubernetes.io claim nor a system:serviceaccount sub');
  }
  if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace))
    return fail('namespace missing or invalid');
  if (typeof serviceAccount !== 'string' || !DNS_SUBDOMAIN.test(serviceAccount)) {
    return fail('service account name missing or invalid');
  }
  if (podName !== undefined && (typeof podName !== 'string' || !DNS_SUBDOMAIN.test(podName))) {
    return fail('pod name invalid');
  }
  const identity: KubernetesIdentity =
    podName === undefined ? { namespace, serviceAccount } : { namespace, serviceAccount, podName };
  return { ok: true, identity: Object.freeze(identity) };
}

function fail(detail: string): KubernetesResult {
  return { ok: false, detail: `kubernetes identity: ${detail}` };
}
