export const USAGE = `gatehouse — identity-aware ingress for Kubernetes

Usage:
  gatehouse serve -c FILE        run the proxy and forward-auth server
  gatehouse check -c FILE        validate a config and lint risky settings (exit 0 ok, 1 errors)
  gatehouse explain -c FILE [identity flags] "GET https://host/path"
                                 simulate a request for an identity and print the decision trace
  gatehouse policy test -c FILE TESTS.yaml
                                 run policy test cases; exit 1 on any failure
  gatehouse policy replay -c CANDIDATE.yaml DECISIONS.jsonl
                                 re-decide recorded decisions; list outcomes that would change
  gatehouse demo                 run a self-contained demo (sample upstream + Gatehouse)
  gatehouse keys generate --out FILE [--alg ES256|EdDSA]
                                 write a new assertion signing key (never printed)
  gatehouse manifests networkpolicy -c FILE [--namespace NS] [--pod-label K=V]...
                                 print NetworkPolicies admitting upstream traffic only from Gatehouse
  gatehouse schema               print the config JSON Schema
  gatehouse help                 this text

Options:
  -c, --config FILE              config file (YAML or JSON)
      --json                     machine-readable output (check, explain, policy replay)
  identity flags (explain):     --principal FILE (JSON/YAML) | --sub S --email E --groups a,b
                                 --kind user|workload --spiffe-id ID --issuer URL --auth-method M
                                 --claims JSON --anonymous
  request flags (explain):      -H "Name: value" (repeatable) --source-ip IP --at ISO-TIME
      --fail-on-change           policy replay: exit 1 when any outcome changes
`;
