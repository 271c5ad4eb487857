/**
 * Route lookup micro-benchmark, run in a fresh process per table size so sizes do not share
 * JIT state. Usage: node micro/route-lookup.ts <routingModule> <routes> <durationS> <warmupS> [queryRoutes]
 * `queryRoutes`: draw the queries from the table of that many routes (default: this table).
 * Smaller tables are contained in larger ones (route-fixtures.ts), so the 10-route queries
 * are the same requests against every size.
 * Prints one JSON line: { rps, p50Ms, p99Ms, hitRate, buildMs, lookups } or { skipped }.
 *
 * Lookups run in batches of BATCH over a pre-built query mix; each batch is timed with
 * process.hrtime.bigint(), so p50/p99 are per-lookup times of a batch (batch time / BATCH).
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { makeQueries, makeRoutes, type RouteEntry } from './route-fixtures.ts';

type Lookup = { lookup(host: string, path: string): unknown };
type Build = (entries: RouteEntry<string>[]) => Lookup;

const BATCH = 1024;
const QUERIES = 8192; // power of two: index with a mask

function answer(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function load(modulePath: string): Promise<Build | string> {
  if (!existsSync(modulePath)) return `${modulePath} does not exist yet`;
  try {
    const mod = (await import(pathToFileURL(modulePath).href)) as { buildRouteTable?: unknown };
    if (typeof mod.buildRouteTable !== 'function') return `${modulePath} exports no buildRouteTable()`;
    return mod.buildRouteTable as Build;
  } catch (error) {
    return `import of ${modulePath} failed: ${(error as Error).message}`;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const [modulePath, nRaw, durationRaw, warmupRaw, queryRaw] = process.argv.slice(2);
  const n = Number(nRaw);
  const durationMs = Number(durationRaw) * 1000;
  const warmupMs = Number(warmupRaw) * 1000;
  if (!modulePath || !(n >= 1) || !(durationMs > 0) || !(warmupMs >= 0)) {
    throw new Error('usage: route-lookup.ts <routingModule> <routes> <durationS> <warmupS>');
  }
  const build = await load(modulePath);
  if (typeof build === 'string') return answer({ skipped: build });

  const routes = makeRoutes(n);
  const queryRoutes = queryRaw === undefined ? n : Number(queryRaw);
  const queries = makeQueries(queryRoutes === n ? routes : makeRoutes(queryRoutes), QUERIES);
  const hosts = queries.map((q) => q.host);
  const paths = queries.map((q) => q.path);
  let table: Lookup;
  const t0 = performance.now();
  try {
    table = build(routes);
  } catch (error) {
    return answer({ skipped: `buildRouteTable threw on ${n} generated routes: ${(error as Error).message}` });
  }
  const buildMs = performance.now() - t0;

  let hits = 0;
  let cursor = 0;
  const runBatch = (): bigint => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) {
      const k = (cursor + i) & (QUERIES - 1);
      if (table.lookup(hosts[k]!, paths[k]!) !== undefined) hits++;
    }
    const elapsed = process.hrtime.bigint() - start;
    cursor = (cursor + BATCH) & (QUERIES - 1);
    return elapsed;
  };

  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) runBatch();

  hits = 0;
  let timings = new Float64Array(1 << 14);
  let batches = 0;
  let totalNs = 0;
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const ns = Number(runBatch());
    if (batches === timings.length) {
      const grown = new Float64Array(timings.length * 2);
      grown.set(timings);
      timings = grown;
    }
    timings[batches++] = ns;
    totalNs += ns;
  }
  const sorted = timings.slice(0, batches).sort();
  const lookups = batches * BATCH;
  answer({
    rps: lookups / (totalNs / 1e9),
    p50Ms: percentile(sorted, 50) / BATCH / 1e6,
    p99Ms: percentile(sorted, 99) / BATCH / 1e6,
    hitRate: hits / lookups,
    buildMs,
    lookups,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
