import { parseArgs } from 'node:util';
import { formatProblem, loadConfigFile } from '../config/index.ts';
import {
  NetworkPolicyOptionError,
  type NetworkPolicyOptions,
  planNetworkPolicies,
  renderNetworkPoliciesYaml,
  type UpstreamOverride,
} from '../kube/index.ts';

export const MANIFESTS_USAGE = `Usage:
  gatehouse manifests networkpolicy -c FILE [options]

Prints NetworkPolicies (multi-document YAML) that admit traffic to each in-cluster upstream
only from Gatehouse's pods. Apply with: gatehouse manifests networkpolicy -c FILE | kubectl apply -f -

Options:
  -c, --config FILE                  Gatehouse config file
      --namespace NS                 Gatehouse's namespace (default gatehouse)
      --pod-label KEY=VALUE          Gatehouse pod label, repeatable (default app.kubernetes.io/name=gatehouse)
      --upstream-label SVC.NS:KEY=VALUE
                                     pod label of one upstream Service, repeatable
                                     (default app.kubernetes.io/name=SVC)
      --upstream-port SVC.NS=PORT    pod port (number or name) of one upstream, repeatable
                                     (default: the upstream URL's port)
      --cluster-domain DOMAIN        cluster DNS domain (default cluster.local)
`;

/**
 * `gatehouse manifests <kind> -c FILE [...]`: Kubernetes objects derived from a config.
 * Manifests go to stdout, warnings to stderr. Exit 0 ok, 1 invalid config, 2 usage error.
 */
export async function runManifests(
  args: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (e) {
    err(`gatehouse manifests: ${(e as Error).message}\n\n${MANIFESTS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(MANIFESTS_USAGE);
    return 0;
  }
  if (positionals[0] !== 'networkpolicy' || positionals.length !== 1) {
    err(`gatehouse manifests: expected "networkpolicy"\n\n${MANIFESTS_USAGE}`);
    return 2;
  }
  if (!values.config) {
    err(`gatehouse manifests: networkpolicy needs -c FILE\n\n${MANIFESTS_USAGE}`);
    return 2;
  }

  let options: NetworkPolicyOptions;
  try {
    options = optionsFrom(values);
  } catch (e) {
    err(`gatehouse manifests: ${(e as Error).message}`);
    return 2;
  }

  const loaded = await loadConfigFile(values.config);
  if (!loaded.ok) {
    for (const p of loaded.problems) err(formatProblem(p, values.config));
    return 1;
  }
  let plan: ReturnType<typeof planNetworkPolicies>;
  try {
    plan = planNetworkPolicies(loaded.config, options);
  } catch (e) {
    if (e instanceof NetworkPolicyOptionError) {
      err(`gatehouse manifests: ${e.message}`);
      return 2;
    }
    throw e;
  }
  for (const s of plan.skipped) err(`warning: skipped upstream ${s.upstream}: ${s.reason}`);
  for (const k of plan.unusedOverrides)
    err(`warning: --upstream-label/--upstream-port ${k} matches no upstream`);
  for (const p of plan.policies) {
    if (p.shortName) err(`warning: upstream host ${p.key} read as service.namespace`);
  }
  out(renderNetworkPoliciesYaml(plan).replace(/\n$/, ''));
  return 0;
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      namespace: { type: 'string' },
      'pod-label': { type: 'string', multiple: true },
      'upstream-label': { type: 'string', multiple: true },
      'upstream-port': { type: 'string', multiple: true },
      'cluster-domain': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

function optionsFrom(values: Values): NetworkPolicyOptions {
  const upstreams: Record<string, { podLabels?: Record<string, string>; ports?: (number | string)[] }> = {};
  const entry = (key: string) => {
    upstreams[key] ??= {};
    return upstreams[key];
  };
  for (const spec of values['upstream-label'] ?? []) {
    const colon = spec.indexOf(':');
    if (colon <= 0) throw new Error(`--upstream-label "${spec}": expected SVC.NS:KEY=VALUE`);
    const [k, v] = keyValue(spec.slice(colon + 1), '--upstream-label');
    const e = entry(spec.slice(0, colon));
    e.podLabels = { ...e.podLabels, [k]: v };
  }
  for (const spec of values['upstream-port'] ?? []) {
    const [key, port] = keyValue(spec, '--upstream-port');
    const e = entry(key);
    e.ports = [...(e.ports ?? []), /^[0-9]+$/.test(port) ? Number(port) : port];
  }
  const podLabels = values['pod-label']?.map((s) => keyValue(s, '--pod-label'));
  return {
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    ...(podLabels ? { podLabels: Object.fromEntries(podLabels) } : {}),
    ...(values['cluster-domain'] !== undefined ? { clusterDomain: values['cluster-domain'] } : {}),
    upstreams: upstreams as Record<string, UpstreamOverride>,
  };
}

function keyValue(spec: string, flag: string): [string, string] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`${flag} "${spec}": expected KEY=VALUE`);
  return [spec.slice(0, eq), spec.slice(eq + 1)];
}
