export const USAGE = `gatehouse — identity-aware ingress for Kubernetes

Usage:
  gatehouse serve -c FILE        run the proxy and forward-auth server
  gatehouse check -c FILE        validate a config and lint risky settings (exit 0 ok, 1 errors)
  gatehouse demo                 run a self-contained demo (sample upstream + Gatehouse)
  gatehouse keys generate --out FILE [--alg ES256|EdDSA]
                                 write a new assertion signing key (never printed)
  gatehouse manifests networkpolicy -c FILE [--namespace NS] [--pod-label K=V]...
                                 print NetworkPolicies admitting upstream traffic only from Gatehouse
  gatehouse schema               print the config JSON Schema
  gatehouse help                 this text

Options:
  -c, --config FILE              config file (YAML or JSON)
      --json                     machine-readable output (check)
`;
