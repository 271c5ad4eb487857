import type { Scenario } from '../lib/types.ts';

/** The bare upstream hit directly: the ceiling every proxy is measured under. */
export const upstreamDirect: Scenario = {
  name: 'upstream-direct',
  baseline: null,
  description: 'Bare node:http upstream (small 200 body) hit directly: the ceiling of this machine.',
  async run(ctx) {
    return ctx.measureHttp(await ctx.upstream());
  },
};
