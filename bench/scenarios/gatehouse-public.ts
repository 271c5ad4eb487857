import { startGatehouse } from '../lib/gatehouse.ts';
import type { Scenario } from '../lib/types.ts';

/** Host of the bench route; sent as the Host header. */
const HOST = 'app.bench.test';

/** Gatehouse with one public route to the upstream: the cost of the pipeline without identity. */
export const gatehousePublic: Scenario = {
  name: 'gatehouse-public',
  baseline: 'node-proxy-minimal',
  description:
    'Gatehouse, one `public: true` route to the upstream (routing, decision, audit line to a file, proxying).',
  target: { minRatio: 1.0, maxP99Ratio: 1.2 },
  async run(ctx) {
    const upstream = await ctx.upstream();
    const gatehouse = await startGatehouse(ctx, [
      {
        id: 'bench-public',
        match: { host: HOST, path: '/' },
        upstream: upstream.url.replace(/\/$/, ''),
        public: true,
      },
    ]);
    return ctx.measureHttp({ url: `${gatehouse.baseUrl}/`, host: HOST });
  },
};
