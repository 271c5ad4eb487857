import { startGatehouse } from '../lib/gatehouse.ts';
import { httpGet } from '../lib/net.ts';
import { SA_NAME, SA_NAMESPACE, serviceAccountIssuer } from '../lib/sa-token.ts';
import { type Scenario, skip } from '../lib/types.ts';

/** Host of the bench route; sent as the Host header (the same as gatehouse-public's). */
const HOST = 'app.bench.test';

/**
 * Gatehouse with the gatehouse-public route shape, but protected: a policy admitting one
 * Kubernetes service account, and wrk sending that account's projected-style token (ES256,
 * JWKS from a file) on every request. After the first request the token is answered from the
 * verified-token cache, so this is the warm path: one SHA-256 of the token, a map lookup, the
 * policy, and an assertion for a workload principal.
 */
export const gatehouseJwtWarm: Scenario = {
  name: 'gatehouse-jwt-warm',
  baseline: 'gatehouse-public',
  description:
    'gatehouse-public route shape with a policy admitting one Kubernetes service account; wrk sends its ES256 token (verified-token cache warm).',
  target: { minRatio: 0.9 },
  async run(ctx) {
    const upstream = await ctx.upstream();
    const issuer = serviceAccountIssuer(ctx.tmpDir, 'ES256');
    const gatehouse = await startGatehouse(
      ctx,
      [
        {
          id: 'bench-jwt',
          match: { host: HOST, path: '/' },
          upstream: upstream.url.replace(/\/$/, ''),
          policy: {
            allow: [{ id: 'bench-client', kubernetes: { serviceAccount: [`${SA_NAMESPACE}/${SA_NAME}`] } }],
          },
        },
      ],
      { extra: { identity: { jwt: [issuer.config] } } },
    );
    const url = `${gatehouse.baseUrl}/`;
    // The policy is enforced: no token is 401, another service account's token 403.
    const anonymous = await httpGet(url, { host: HOST, timeoutMs: 5000 });
    if (anonymous.status !== 401) skip(`a request without a token answered ${anonymous.status}, not 401`);
    const other = await httpGet(url, {
      host: HOST,
      headers: { authorization: `Bearer ${issuer.token({ serviceAccount: 'someone-else' })}` },
      timeoutMs: 5000,
    });
    if (other.status !== 403) skip(`another service account's token answered ${other.status}, not 403`);
    ctx.log('  policy enforced: no token 401, other service account 403');
    return ctx.measureHttp({ url, host: HOST, headers: { authorization: `Bearer ${issuer.token()}` } });
  },
};

/**
 * The same public route as gatehouse-public, with wrk sending the same bearer token as
 * gatehouse-jwt-warm (a public route ignores it): the baseline that isolates the cost of
 * authenticating from the cost of receiving a larger request.
 */
export const gatehousePublicBearer: Scenario = {
  name: 'gatehouse-public-bearer',
  baseline: null,
  description: 'gatehouse-public with the bench bearer token on every request (ignored by the public route).',
  async run(ctx) {
    const upstream = await ctx.upstream();
    const issuer = serviceAccountIssuer(ctx.tmpDir, 'ES256');
    const gatehouse = await startGatehouse(
      ctx,
      [
        {
          id: 'bench-public',
          match: { host: HOST, path: '/' },
          upstream: upstream.url.replace(/\/$/, ''),
          public: true,
        },
      ],
      { extra: { identity: { jwt: [issuer.config] } } },
    );
    return ctx.measureHttp({
      url: `${gatehouse.baseUrl}/`,
      host: HOST,
      headers: { authorization: `Bearer ${issuer.token()}` },
    });
  },
};

/** gatehouse-jwt-warm measured against the same request on a public route (authentication cost only). */
export const gatehouseJwtWarmSameRequest: Scenario = {
  ...gatehouseJwtWarm,
  name: 'gatehouse-jwt-warm-same-request',
  baseline: 'gatehouse-public-bearer',
  description:
    'gatehouse-jwt-warm against gatehouse-public-bearer: the same request, with and without authentication.',
};
