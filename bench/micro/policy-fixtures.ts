/**
 * Fixtures for the decision micro-benchmarks: a config of N routes (the route-lookup tables of
 * route-fixtures.ts), each with its own typical 5-rule policy, a user principal, and requests.
 *
 * The policy (deny rules first, then allow rules in order; the first allow match wins):
 *   deny  no-contractors  claim employment.type == contractor
 *   allow admins          groups anyOf [platform-admins]
 *   allow owners          groups anyOf [team-<route % 50>], method GET/HEAD/POST/PUT/DELETE
 *   allow readers         emailDomain [example.com], method GET/HEAD
 *   allow ci-deployer     kubernetes ci/deployer, path prefix /deploy
 * The bench user (alice@example.com, groups engineering + oncall, an employee) is allowed by
 * `readers` on a GET: four of the five rules are evaluated, the last one is not.
 */
import { makeQueries, makeRoutes, type Query } from './route-fixtures.ts';

export const UPSTREAM = 'http://127.0.0.1:1';

/** The inline policy of route `i` (rules differ per route only in the owners group). */
export function routePolicy(i: number): Record<string, unknown> {
  return {
    deny: [{ id: 'no-contractors', claim: { path: 'employment.type', equals: 'contractor' } }],
    allow: [
      { id: 'admins', groups: { anyOf: ['platform-admins'] } },
      {
        id: 'owners',
        groups: { anyOf: [`team-${i % 50}`] },
        method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      },
      { id: 'readers', emailDomain: ['example.com'], method: ['GET', 'HEAD'] },
      { id: 'ci-deployer', kubernetes: { serviceAccount: ['ci/deployer'] }, path: { prefix: '/deploy' } },
    ],
  };
}

/** A whole config (as JSON-able data) with `n` routes, each with `routePolicy(i)`. */
export function benchConfig(n: number): Record<string, unknown> {
  return {
    listeners: [{ name: 'bench', address: '127.0.0.1', port: 0 }],
    routes: makeRoutes(n).map((r, i) => ({
      id: `r${i}`,
      match: { host: r.host, path: r.path, pathMatch: r.pathMatch },
      upstream: UPSTREAM,
      policy: routePolicy(i),
    })),
  };
}

/** The bench user, as a session / OIDC authenticator would produce it (frozen, like theirs). */
export const BENCH_USER = Object.freeze({
  kind: 'user' as const,
  subject: '00u1a2b3c4d5e6f7g8h9',
  issuer: 'https://idp.example.com',
  method: 'session' as const,
  groups: Object.freeze(['engineering', 'oncall']),
  claims: Object.freeze({
    email: 'alice@example.com',
    email_verified: true,
    employment: Object.freeze({ type: 'employee' }),
  }),
  email: 'alice@example.com',
  authTime: 1_700_000_000,
  source: 'idp',
});

/** A GET request as the proxy builds it (RequestInfo, src/model/request.ts). */
export function benchRequest(host: string, path: string, i = 0): Record<string, unknown> {
  return {
    id: `req-${i}`,
    method: 'GET',
    scheme: 'https',
    host,
    port: 443,
    path,
    query: '',
    headers: { host, 'user-agent': 'bench', accept: '*/*', cookie: 'gatehouse_session=opaque' },
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'bench',
  };
}

/** `count` request mixes over the table (misses included; callers keep the hits they want). */
export function benchQueries(n: number, count: number): Query[] {
  return makeQueries(makeRoutes(n), count);
}
