/**
 * Deterministic, realistic route tables and request mixes for routing micro-benchmarks.
 * The same seed gives the same table, so runs and machines compare.
 *
 * Shape of a table of N routes, roughly as ingress configs look:
 * - `*` + exact `/healthz` (a catch-all health route) and `*.preview.example.com`, so that
 *   every size, even 10, has each kind of host pattern and sizes differ in size only;
 * - ~80% on per-service hosts (`grafana-12.payments.example.com`), a handful of paths each,
 *   every 20th host a wildcard (`*.payments-3.preview.example.com`);
 * - ~20% path fan-out on shared gateway hosts (`api-0.example.com/billing-17`), 200 per host.
 */

export interface RouteEntry<T> {
  host: string;
  path: string;
  pathMatch: 'prefix' | 'exact';
  value: T;
}

export interface Query {
  host: string;
  path: string;
}

/** mulberry32: small, fast, good enough to pick fixture names. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAMS = [
  'payments',
  'search',
  'identity',
  'platform',
  'data',
  'growth',
  'mobile',
  'infra',
  'media',
  'ads',
];
const SERVICES = ['api', 'app', 'admin', 'grafana', 'docs', 'auth', 'billing', 'console', 'status', 'hooks'];
const PATHS: [string, 'prefix' | 'exact'][] = [
  ['/', 'prefix'],
  ['/api', 'prefix'],
  ['/api/v1/users', 'prefix'],
  ['/api/v1/orders', 'prefix'],
  ['/api/v2/items', 'prefix'],
  ['/static', 'prefix'],
  ['/assets', 'prefix'],
  ['/admin', 'prefix'],
  ['/ws', 'prefix'],
  ['/uploads', 'prefix'],
  ['/graphql', 'exact'],
  ['/login', 'exact'],
  ['/oauth2/callback', 'exact'],
  ['/metrics', 'exact'],
  ['/internal/debug', 'prefix'],
  ['/v1/events', 'prefix'],
];
const WORDS = [
  'billing',
  'catalog',
  'cart',
  'profile',
  'reports',
  'export',
  'notify',
  'ledger',
  'quota',
  'audit',
];

/** `n` distinct routes (n >= 1); values are route ids `r<i>`. */
export function makeRoutes(n: number, seed = 42): RouteEntry<string>[] {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const routes: RouteEntry<string>[] = [];
  const add = (host: string, path: string, pathMatch: 'prefix' | 'exact') => {
    if (routes.length < n) routes.push({ host, path, pathMatch, value: `r${routes.length}` });
  };
  add('*', '/healthz', 'exact');
  add('*.preview.example.com', '/', 'prefix');
  const gatewayRoutes = Math.floor((n - 2) * 0.2);
  for (let i = 0; i < gatewayRoutes; i++) {
    const host = `api-${Math.floor(i / 200)}.example.com`;
    const base = `/${WORDS[i % WORDS.length]}-${i}`;
    add(host, i % 4 === 3 ? `${base}/v1` : base, 'prefix');
  }
  for (let h = 0; routes.length < n; h++) {
    const team = `${TEAMS[h % TEAMS.length]}-${Math.floor(h / TEAMS.length)}`;
    const host =
      h % 20 === 19 ? `*.${team}.preview.example.com` : `${pick(SERVICES)}-${h}.${team}.example.com`;
    const count = 4 + Math.floor(random() * 7); // 4..10 paths per host
    const start = Math.floor(random() * PATHS.length);
    for (let k = 0; k < count; k++) {
      const [path, pathMatch] = PATHS[(start + k) % PATHS.length]!;
      add(host, path, pathMatch);
    }
  }
  return routes;
}

/**
 * `count` lookups over `routes`: ~65% aimed at a route (sub-paths under prefixes, concrete
 * names under wildcards), ~20% unknown paths on known hosts, ~15% unknown hosts.
 */
export function makeQueries(routes: RouteEntry<unknown>[], count: number, seed = 7): Query[] {
  const random = rng(seed);
  const int = (max: number) => Math.floor(random() * max);
  const concrete = (host: string) =>
    host === '*'
      ? `svc-${int(1000)}.example.org`
      : host.startsWith('*.')
        ? `pr-${int(5000)}${host.slice(1)}`
        : host;
  const queries: Query[] = [];
  for (let i = 0; i < count; i++) {
    const route = routes[int(routes.length)]!;
    const roll = random();
    if (roll < 0.65) {
      let path = route.path;
      if (route.pathMatch === 'prefix') {
        const tail = [``, `/${int(100_000)}`, `/items/${int(1000)}/detail`][int(3)]!;
        path = path === '/' ? tail || '/' : path + tail;
      }
      queries.push({ host: concrete(route.host), path });
    } else if (roll < 0.85) {
      queries.push({ host: concrete(route.host), path: `/nope-${int(1000)}/x` });
    } else {
      queries.push({ host: `host-${int(100_000)}.unknown.org`, path: '/' });
    }
  }
  return queries;
}
