import type { Config } from '../config/index.ts';
import { routeId } from '../config/index.ts';
import { boundedName, isDns1123Label, isLabelKey, isLabelValue, isPortName } from './names.ts';
import { parseServiceHost } from './service-host.ts';

/**
 * NetworkPolicies that admit traffic to each in-cluster upstream only from Gatehouse's pods,
 * so "direct to the Service" stops working and every request has to pass the gate (the
 * assertion then proves it did). Kubernetes objects are built here as plain data; rendering
 * is `render-yaml.ts`'s job.
 */

export type Labels = Readonly<Record<string, string>>;
export type PolicyPort = { readonly protocol: 'TCP'; readonly port: number | string };

export interface NetworkPolicy {
  readonly apiVersion: 'networking.k8s.io/v1';
  readonly kind: 'NetworkPolicy';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Labels };
  readonly spec: {
    readonly podSelector: { readonly matchLabels: Labels };
    readonly policyTypes: readonly ['Ingress'];
    readonly ingress: readonly [
      {
        readonly from: readonly [
          {
            readonly namespaceSelector: { readonly matchLabels: Labels };
            readonly podSelector: { readonly matchLabels: Labels };
          },
        ];
        readonly ports: readonly PolicyPort[];
      },
    ];
  };
}

/** Per-upstream settings the config cannot know, keyed `svc.ns`. */
export interface UpstreamOverride {
  /** Labels of the Service's pods (its `spec.selector`). Default `app.kubernetes.io/name: <svc>`. */
  readonly podLabels?: Labels;
  /**
   * The pods' ports (numbers or container port names). Default: the ports of the upstream
   * URLs, which are Service ports: a NetworkPolicy matches the pod's port, so set this when
   * the Service maps its port to another targetPort.
   */
  readonly ports?: readonly (number | string)[];
}

export interface NetworkPolicyOptions {
  /** Gatehouse's own namespace. Default `gatehouse`. */
  readonly namespace?: string;
  /** Labels of Gatehouse's pods. Default `app.kubernetes.io/name: gatehouse`. */
  readonly podLabels?: Labels;
  /** Settings per upstream Service, keyed `svc.ns`. */
  readonly upstreams?: Readonly<Record<string, UpstreamOverride>>;
  /** The cluster's DNS domain, for `svc.ns.svc.<domain>` hosts. Default `cluster.local`. */
  readonly clusterDomain?: string;
}

export interface PlannedPolicy {
  readonly policy: NetworkPolicy;
  /** `svc.ns`. */
  readonly key: string;
  /** Ids of the routes sending traffic to this Service. */
  readonly routes: readonly string[];
  /** The upstream origins that name this Service. */
  readonly upstreams: readonly string[];
  /** podSelector is the default guess, not given. */
  readonly guessedPodLabels: boolean;
  /** Ports come from upstream URLs (Service ports), not given. */
  readonly portsFromUrls: boolean;
  /** Some upstream names it `svc.ns`, which could also be an external two-label name. */
  readonly shortName: boolean;
}

export interface SkippedUpstream {
  readonly upstream: string;
  readonly routes: readonly string[];
  readonly reason: string;
}

export interface NetworkPolicyPlan {
  readonly policies: readonly PlannedPolicy[];
  readonly skipped: readonly SkippedUpstream[];
  /** Keys of `options.upstreams` that match no upstream (probably a typo). */
  readonly unusedOverrides: readonly string[];
}

export const DEFAULT_NAMESPACE = 'gatehouse';
export const DEFAULT_POD_LABELS: Labels = Object.freeze({ 'app.kubernetes.io/name': 'gatehouse' });
export const POLICY_PREFIX = 'gatehouse-only-';

/** Invalid options (a namespace, label or port Kubernetes would refuse). */
export class NetworkPolicyOptionError extends Error {
  override readonly name = 'NetworkPolicyOptionError';
}

/**
 * Plan one NetworkPolicy per distinct in-cluster upstream Service (routes sharing a Service
 * share its policy; several ports are merged), and list the upstreams that cannot be
 * protected this way. Throws NetworkPolicyOptionError for invalid options.
 */
export function planNetworkPolicies(
  config: Pick<Config, 'routes'>,
  options: NetworkPolicyOptions = {},
): NetworkPolicyPlan {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  if (!isDns1123Label(namespace)) throw new NetworkPolicyOptionError(`invalid namespace "${namespace}"`);
  const podLabels = checkLabels(options.podLabels ?? DEFAULT_POD_LABELS, 'Gatehouse pod label');
  if (Object.keys(podLabels).length === 0) {
    throw new NetworkPolicyOptionError('Gatehouse pod labels are empty: that would admit every pod');
  }
  const overrides = options.upstreams ?? {};
  for (const [key, o] of Object.entries(overrides)) {
    if (o.podLabels) {
      checkLabels(o.podLabels, `pod label for ${key}`);
      if (Object.keys(o.podLabels).length === 0) {
        throw new NetworkPolicyOptionError(`pod labels for ${key} are empty: that would select every pod`);
      }
    }
    for (const p of o.ports ?? []) checkPort(p, key);
  }

  interface Acc {
    service: string;
    namespace: string;
    ports: Set<number>;
    routes: Set<string>;
    upstreams: Set<string>;
    shortName: boolean;
  }
  const byService = new Map<string, Acc>();
  const skipped = new Map<string, { reason: string; routes: Set<string> }>();

  config.routes.forEach((route, index) => {
    if (!route.upstream) return;
    const url = new URL(typeof route.upstream === 'string' ? route.upstream : route.upstream.url);
    const id = routeId(route, index);
    const parsed = parseServiceHost(url.hostname, options.clusterDomain);
    if (!parsed.ok) {
      const entry = skipped.get(url.origin) ?? { reason: parsed.reason, routes: new Set<string>() };
      entry.routes.add(id);
      skipped.set(url.origin, entry);
      return;
    }
    const key = `${parsed.service}.${parsed.namespace}`;
    let acc = byService.get(key);
    if (!acc) {
      acc = {
        service: parsed.service,
        namespace: parsed.namespace,
        ports: new Set(),
        routes: new Set(),
        upstreams: new Set(),
        shortName: false,
      };
      byService.set(key, acc);
    }
    acc.ports.add(url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);
    acc.routes.add(id);
    acc.upstreams.add(url.origin);
    if (parsed.form === 'short') acc.shortName = true;
  });

  const policies = [...byService.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, acc]): PlannedPolicy => {
      const o = overrides[key] ?? {};
      const ports: PolicyPort[] = (o.ports ?? [...acc.ports].sort((a, b) => a - b)).map((port) => ({
        protocol: 'TCP',
        port,
      }));
      return {
        key,
        routes: [...acc.routes],
        upstreams: [...acc.upstreams],
        guessedPodLabels: o.podLabels === undefined,
        portsFromUrls: o.ports === undefined,
        shortName: acc.shortName,
        policy: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: {
            name: boundedName(POLICY_PREFIX, acc.service),
            namespace: acc.namespace,
            labels: { 'app.kubernetes.io/managed-by': 'gatehouse' },
          },
          spec: {
            podSelector: { matchLabels: { ...(o.podLabels ?? { 'app.kubernetes.io/name': acc.service }) } },
            policyTypes: ['Ingress'],
            ingress: [
              {
                from: [
                  {
                    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
                    podSelector: { matchLabels: { ...podLabels } },
                  },
                ],
                ports,
              },
            ],
          },
        },
      };
    });

  return {
    policies,
    skipped: [...skipped.entries()].map(([upstream, s]) => ({
      upstream,
      reason: s.reason,
      routes: [...s.routes],
    })),
    unusedOverrides: Object.keys(overrides).filter((k) => !byService.has(k)),
  };
}

/** The NetworkPolicy objects only (see {@link planNetworkPolicies} for what was skipped). */
export function networkPolicies(
  config: Pick<Config, 'routes'>,
  options: NetworkPolicyOptions = {},
): NetworkPolicy[] {
  return planNetworkPolicies(config, options).policies.map((p) => p.policy);
}

function checkLabels(labels: Labels, what: string): Labels {
  for (const [k, v] of Object.entries(labels)) {
    if (!isLabelKey(k)) throw new NetworkPolicyOptionError(`invalid ${what} key "${k}"`);
    if (!isLabelValue(v)) throw new NetworkPolicyOptionError(`invalid ${what} value "${v}" for "${k}"`);
  }
  return labels;
}

function checkPort(port: number | string, key: string): void {
  const ok =
    typeof port === 'number' ? Number.isInteger(port) && port >= 1 && port <= 65535 : isPortName(port);
  if (!ok)
    throw new NetworkPolicyOptionError(`invalid port "${port}" for ${key}: 1-65535 or a container port name`);
}
