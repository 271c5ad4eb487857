import type { ConfigProblem } from './problems.ts';
import type { Config } from './schema.ts';
import { oidcProblems } from './schema-oidc.ts';

/**
 * Checks a schema cannot express, run after the schema passed. Each problem points at the
 * offending place. More checks (policy compilation, lint) run when the engine compiles.
 */
export function semanticProblems(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (pointer: string, message: string) => problems.push({ severity: 'error', pointer, message });

  const listenerNames = new Map<string, number>();
  const listenerPorts = new Map<string, number>();
  config.listeners.forEach((l, i) => {
    const prior = listenerNames.get(l.name);
    if (prior !== undefined)
      error(`/listeners/${i}/name`, `duplicate listener name "${l.name}" (also /listeners/${prior})`);
    else listenerNames.set(l.name, i);
    if (l.port !== 0) {
      const key = `${l.address}:${l.port}`;
      const priorPort = listenerPorts.get(key);
      if (priorPort !== undefined)
        error(`/listeners/${i}/port`, `port ${key} is already used by /listeners/${priorPort}`);
      else listenerPorts.set(key, i);
    }
  });
  config.listeners.forEach((l, i) => {
    if (l.tls && l.tls.clientCertificates !== 'none' && !config.identity.mtls) {
      error(
        `/listeners/${i}/tls/clientCertificates`,
        'the listener asks for client certificates but identity.mtls has no trust domains to verify them',
      );
    }
  });
  if (config.admin.port !== 0) {
    const key = `${config.admin.address}:${config.admin.port}`;
    const clash = listenerPorts.get(key);
    if (clash !== undefined) error('/admin/port', `admin port ${key} is already used by /listeners/${clash}`);
  }

  const seenMatch = new Map<string, number>();
  const seenIds = new Map<string, number>();
  config.routes.forEach((route, i) => {
    const host = route.match.host.toLowerCase().replace(/\.$/, '');
    const key = `${host} ${route.match.pathMatch} ${route.match.path}`;
    const prior = seenMatch.get(key);
    if (prior !== undefined) {
      error(
        `/routes/${i}/match`,
        `duplicate route: host "${host}" ${route.match.pathMatch} path "${route.match.path}" is already matched by /routes/${prior}`,
      );
    } else seenMatch.set(key, i);

    const id = routeId(route, i);
    const priorId = seenIds.get(id);
    if (priorId !== undefined)
      error(`/routes/${i}/id`, `duplicate route id "${id}" (also /routes/${priorId})`);
    else seenIds.set(id, i);

    // A route without upstream only answers forward-auth checks (the ingress forwards).
    if (route.upstream === undefined && config.forwardAuth === undefined)
      error(
        `/routes/${i}/upstream`,
        'route has no upstream: add upstream: http://service:port (or configure forwardAuth for a check-only route)',
      );
    if (typeof route.policy === 'string' && !Object.hasOwn(config.policies, route.policy)) {
      error(
        `/routes/${i}/policy`,
        `unknown named policy "${route.policy}"; defined: ${Object.keys(config.policies).join(', ') || 'none'}`,
      );
    }
    if (route.public && route.policy !== undefined) {
      error(`/routes/${i}/public`, 'a route is either public or has a policy, not both');
    }
    if (route.requireMtls && !config.listeners.some((l) => l.tls && l.tls.clientCertificates !== 'none')) {
      error(
        `/routes/${i}/requireMtls`,
        'the route requires mTLS but no listener asks for client certificates',
      );
    }
    route.listeners?.forEach((name, j) => {
      if (!listenerNames.has(name)) error(`/routes/${i}/listeners/${j}`, `unknown listener "${name}"`);
    });
    if (!route.public && route.policy === undefined) {
      problems.push({
        severity: 'warning',
        code: 'route-denies-all',
        pointer: `/routes/${i}`,
        message: 'the route is neither public nor has a policy: every request is denied (route-denied)',
      });
    }
    if (route.match.path !== '/' && route.match.path.endsWith('/') && route.match.pathMatch === 'prefix') {
      problems.push({
        severity: 'warning',
        code: 'prefix-trailing-slash',
        pointer: `/routes/${i}/match/path`,
        message: `prefix "${route.match.path}" ends with "/": "${route.match.path.slice(0, -1)}" itself will not match this route`,
      });
    }
  });
  problems.push(
    ...oidcProblems(
      config,
      config.routes.map((r, i) => routeId(r, i)),
    ),
  );
  forwardAuthProblems(config, listenerNames, problems);
  kubernetesSourceProblems(config, problems);
  return problems;
}

/**
 * A `kubernetes` rule matches only principals whose source names Kubernetes service
 * accounts: a JWT issuer with `kubernetes: true`, or a trust domain with `kubernetes: true`.
 * With none, such a rule can never match (and an upgrade from when every SVID path counted
 * would silently deny): warn at the first rule.
 */
function kubernetesSourceProblems(config: Config, problems: ConfigProblem[]): void {
  const { jwt, mtls } = config.identity;
  if (jwt?.some((i) => i.kubernetes) || mtls?.trustDomains.some((d) => d.kubernetes)) return;
  const policies: [string, unknown][] = [
    ...Object.entries(config.policies).map(([name, p]) => [`/policies/${name}`, p] as [string, unknown]),
    ...config.routes.map((r, i) => [`/routes/${i}/policy`, r.policy] as [string, unknown]),
  ];
  for (const [pointer, policy] of policies) {
    const at = kubernetesRuleAt(policy, pointer);
    if (at === undefined) continue;
    problems.push({
      severity: 'warning',
      code: 'kubernetes-rule-without-source',
      pointer: at,
      message:
        'no identity source names Kubernetes service accounts (identity.jwt[].kubernetes or identity.mtls.trustDomains[].kubernetes), so this kubernetes rule never matches',
    });
    return;
  }
}

/** The pointer of the first rule using the `kubernetes` criterion in a policy (combinators included). */
function kubernetesRuleAt(node: unknown, pointer: string): string | undefined {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const found = kubernetesRuleAt(node[i], `${pointer}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const o = node as Record<string, unknown>;
  if (o.kubernetes !== undefined && pointer.match(/\/(allow|deny|any|all|not)(\/\d+)?$/))
    return `${pointer}/kubernetes`;
  for (const key of ['allow', 'deny', 'any', 'all', 'not']) {
    if (o[key] === undefined) continue;
    const found = kubernetesRuleAt(o[key], `${pointer}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `forwardAuth`: its dedicated listener exists; a trusted source principal is a trust decision. */
function forwardAuthProblems(
  config: Config,
  listenerNames: ReadonlyMap<string, number>,
  problems: ConfigProblem[],
): void {
  const fa = config.forwardAuth;
  if (!fa) return;
  if (fa.listener !== undefined && !listenerNames.has(fa.listener))
    problems.push({
      severity: 'error',
      pointer: '/forwardAuth/listener',
      message: `unknown listener "${fa.listener}"`,
    });
  if (fa.grpc?.trustSourcePrincipal && !fa.grpc.tls?.clientCaFile)
    problems.push({
      severity: 'warning',
      code: 'ext-authz-principal-unverified-caller',
      pointer: '/forwardAuth/grpc/trustSourcePrincipal',
      message:
        'the source principal is believed from any caller in forwardAuth.trustedProxies: require mTLS (grpc.tls.clientCaFile) so only the gateway can assert it',
    });
}

/** The route's stable id: configured, or derived from host and path. */
export function routeId(route: Config['routes'][number], index: number): string {
  if (route.id) return route.id;
  const host = route.match.host.toLowerCase().replace(/\.$/, '');
  return `${host}${route.match.path === '/' ? '' : route.match.path}` || `route-${index}`;
}
