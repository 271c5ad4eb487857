export { isDns1035Label, isDns1123Label, isLabelKey, isLabelValue, isPortName } from './names.ts';
export {
  DEFAULT_NAMESPACE,
  DEFAULT_POD_LABELS,
  type Labels,
  type NetworkPolicy,
  NetworkPolicyOptionError,
  type NetworkPolicyOptions,
  type NetworkPolicyPlan,
  networkPolicies,
  type PlannedPolicy,
  planNetworkPolicies,
  type SkippedUpstream,
  type UpstreamOverride,
} from './network-policy.ts';
export { renderNetworkPoliciesYaml } from './render-yaml.ts';
export { parseServiceHost, type ServiceHost } from './service-host.ts';
