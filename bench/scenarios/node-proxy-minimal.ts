import { freePort } from '../lib/net.ts';
import { startNodeService } from '../lib/services.ts';
import type { Scenario } from '../lib/types.ts';

/** servers/node-proxy.ts in front of the upstream: the baseline for Gatehouse. */
export const nodeProxyMinimal: Scenario = {
  name: 'node-proxy-minimal',
  baseline: null,
  description:
    'Minimal Node proxy (node:http + keep-alive Agent, piped bodies) in front of the upstream: the Gatehouse baseline.',
  async run(ctx) {
    const upstream = await ctx.upstream();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    await startNodeService(ctx.scope, {
      name: 'node-proxy',
      script: 'servers/node-proxy.ts',
      args: [String(port), String(upstream.port)],
      logDir: ctx.tmpDir,
      readyUrl: url,
    });
    return ctx.measureHttp({ url });
  },
};
