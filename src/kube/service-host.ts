import { isIP } from 'node:net';
import { isDns1035Label, isDns1123Label } from './names.ts';

export type ServiceHost =
  | {
      readonly ok: true;
      readonly service: string;
      readonly namespace: string;
      readonly form: 'fqdn' | 'svc' | 'short';
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Read an upstream host as an in-cluster Service: `svc.ns.svc.<clusterDomain>` (fqdn),
 * `svc.ns.svc`, or `svc.ns` (short: the same spelling as an external two-label name, so the
 * caller says so). IP addresses, single labels (namespace unknown) and other names are not
 * Services: a NetworkPolicy cannot protect them.
 */
export function parseServiceHost(host: string, clusterDomain = 'cluster.local'): ServiceHost {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (isIP(h.replace(/^\[|\]$/g, '')) !== 0)
    return { ok: false, reason: 'an IP address, not a Service name' };
  const labels = h.split('.');
  const domain = clusterDomain.toLowerCase().replace(/^\.|\.$/g, '');
  let form: 'fqdn' | 'svc' | 'short';
  if (labels.length === 2) form = 'short';
  else if (labels.length === 3 && labels[2] === 'svc') form = 'svc';
  else if (labels.length > 3 && labels[2] === 'svc' && labels.slice(3).join('.') === domain) form = 'fqdn';
  else if (labels.length === 1)
    return { ok: false, reason: 'a single-label name: its namespace is unknown (write svc.ns)' };
  else return { ok: false, reason: `not a Service name (svc.ns.svc.${domain}, svc.ns.svc or svc.ns)` };
  const [service, namespace] = labels as [string, string];
  if (!isDns1035Label(service)) return { ok: false, reason: 'the Service part is not a valid Service name' };
  if (!isDns1123Label(namespace))
    return { ok: false, reason: 'the namespace part is not a valid namespace name' };
  return { ok: true, service, namespace, form };
}
