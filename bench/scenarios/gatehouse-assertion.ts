import { startGatehouse } from '../lib/gatehouse.ts';
import type { Scenario } from '../lib/types.ts';

/** Host of the bench route; sent as the Host header (the same as gatehouse-public's). */
const HOST = 'app.bench.test';
/** Path prefix of the unique-path variants: request N goes to /item/N. */
const UNIQUE_PREFIX = '/item/';

/**
 * The gatehouse-public route (public, anonymous caller), with the identity assertion on (the
 * default) or off (`assertion: { enabled: false }`). `uniquePaths`: every request has its own
 * path, so the signer can never reuse an assertion (it reuses one for an identical request for
 * half its lifetime) and each request pays one signature.
 */
function assertionScenario(
  name: string,
  baseline: string | null,
  assertion: boolean,
  uniquePaths: boolean,
): Scenario {
  const what = `${assertion ? 'assertion on (default)' : 'assertion: { enabled: false }'}`;
  const paths = uniquePaths ? `, every request to its own path (${UNIQUE_PREFIX}<n>, a wrk Lua counter)` : '';
  return {
    name,
    baseline,
    description: `Gatehouse, the gatehouse-public route with ${what}${paths}.`,
    ...(baseline ? { target: { minRatio: 0.9 } } : {}),
    async run(ctx) {
      const upstream = await ctx.upstream();
      const gatehouse = await startGatehouse(ctx, [
        {
          id: 'bench-public',
          match: { host: HOST, path: '/' },
          upstream: upstream.url.replace(/\/$/, ''),
          public: true,
          ...(assertion ? {} : { assertion: { enabled: false } }),
        },
      ]);
      return ctx.measureHttp({
        url: `${gatehouse.baseUrl}/`,
        host: HOST,
        ...(uniquePaths ? { uniquePathPrefix: UNIQUE_PREFIX } : {}),
      });
    },
  };
}

export const gatehouseNoAssertion = assertionScenario('gatehouse-no-assertion', null, false, false);
export const gatehouseAssertion = assertionScenario(
  'gatehouse-assertion',
  'gatehouse-no-assertion',
  true,
  false,
);
export const gatehouseNoAssertionUniquePaths = assertionScenario(
  'gatehouse-no-assertion-unique-paths',
  null,
  false,
  true,
);
export const gatehouseAssertionUniquePaths = assertionScenario(
  'gatehouse-assertion-unique-paths',
  'gatehouse-no-assertion-unique-paths',
  true,
  true,
);
