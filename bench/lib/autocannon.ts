/**
 * Load with autocannon (fallback when wrk is not installed). It runs inside the harness
 * process, so it competes with the processes under test for CPU more than wrk does: compare
 * ratios, not absolute figures, across load tools.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LoadRun, LoadTool } from './load.ts';
import type { Measurement } from './types.ts';

/** The autocannon load tool, or an Error saying why it cannot be loaded. */
export async function autocannonTool(): Promise<LoadTool | Error> {
  let autocannon: typeof import('autocannon').default;
  let version = 'unknown';
  try {
    autocannon = (await import('autocannon')).default;
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('autocannon/package.json'), 'utf8')) as {
      version?: string;
    };
    version = pkg.version ?? version;
  } catch (error) {
    return new Error(`autocannon not installed (cd bench && npm install): ${(error as Error).message}`);
  }
  return {
    name: `autocannon ${version}`,
    async run(spec: LoadRun): Promise<Measurement> {
      const instance = autocannon({
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        timeout: 5,
        headers: { ...spec.headers, ...(spec.host ? { host: spec.host } : {}) },
        ...(spec.uniquePathPrefix ? { requests: [uniquePathRequest(spec.uniquePathPrefix)] } : {}),
      });
      const guard = setTimeout(() => instance.stop(), (spec.durationS + 15) * 1000);
      const result = await instance;
      clearTimeout(guard);
      if (!(result.requests.total > 0)) throw new Error('autocannon completed no request');
      return {
        rps: result.requests.total / result.duration,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors + result.non2xx,
      };
    },
  };
}

/** An autocannon request whose path carries a counter, so no two requests are alike. */
function uniquePathRequest(prefix: string): {
  setupRequest(req: Record<string, unknown>): Record<string, unknown>;
} {
  let n = 0;
  return { setupRequest: (req) => ({ ...req, path: `${prefix}${++n}` }) };
}
