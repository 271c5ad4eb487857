/**
 * ext_authz gRPC load: `clients` channels, each keeping `inflight` Check calls outstanding
 * for warm-up then the measured window, with an Envoy-shaped CheckRequest carrying a bearer
 * JWT. Usage: node micro/grpc-ext-authz.ts <repoRoot> <port> <durationS> <warmupS> <token>
 * <host> <clients> <inflight>. Prints one JSON line: { rps, p50Ms, p99Ms, errors, denied } or
 * { skipped }.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface CheckResponse {
  status?: { code?: number };
}
type Client = { Check(r: unknown, cb: (e: Error | null, v: CheckResponse) => void): void; close(): void };

function answer(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const [root, portRaw, durationRaw, warmupRaw, token, host, clientsRaw, inflightRaw] = process.argv.slice(2);
  const port = Number(portRaw);
  const durationMs = Number(durationRaw) * 1000;
  const warmupMs = Number(warmupRaw) * 1000;
  const clients = Number(clientsRaw);
  const inflight = Number(inflightRaw);
  if (!root || !(port > 0) || !(durationMs > 0) || !token || !host || !(clients > 0) || !(inflight > 0)) {
    throw new Error(
      'usage: grpc-ext-authz.ts <repoRoot> <port> <durationS> <warmupS> <token> <host> <clients> <inflight>',
    );
  }
  let fa: { authorizationService(): { Client: new (address: string, creds: unknown) => Client } };
  let grpc: { credentials: { createInsecure(): unknown } };
  try {
    fa = await import(pathToFileURL(join(root, 'src/forward-auth/index.ts')).href);
    grpc = await import(pathToFileURL(join(root, 'node_modules/@grpc/grpc-js/build/src/index.js')).href);
  } catch (error) {
    return answer({
      skipped: `cannot load the ext_authz protos or @grpc/grpc-js: ${(error as Error).message}`,
    });
  }
  const { Client: Ctor } = fa.authorizationService();
  const channels = Array.from(
    { length: clients },
    () => new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()),
  );
  const request = {
    attributes: {
      source: { address: { socket_address: { address: '198.51.100.7', port_value: 40000 } } },
      request: {
        http: {
          id: 'bench',
          method: 'GET',
          path: '/api/items?page=1',
          host,
          scheme: 'https',
          headers: {
            ':authority': host,
            ':method': 'GET',
            ':path': '/api/items?page=1',
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            'user-agent': 'bench',
          },
        },
      },
    },
  };

  let measuring = false;
  let stopping = false;
  const latencies: number[] = [];
  let errors = 0;
  let denied = 0;
  let done = 0;
  const call = (client: Client): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      client.Check(request, (err, res) => {
        if (measuring) {
          latencies.push(performance.now() - t0);
          if (err) errors++;
          else if (res?.status?.code !== 0) denied++;
          done++;
        }
        resolve();
      });
    });
  const loop = async (client: Client) => {
    while (!stopping) await call(client);
  };
  const loops = channels.flatMap((c) => Array.from({ length: inflight }, () => loop(c)));
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  measuring = false;
  const elapsedS = (performance.now() - start) / 1000;
  stopping = true;
  await Promise.all(loops);
  for (const c of channels) c.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  answer({ rps: done / elapsedS, p50Ms: pct(50), p99Ms: pct(99), errors, denied, calls: done });
}

main().catch((error) => {
  answer({ skipped: `worker failed: ${(error as Error).message}` });
  process.exitCode = 0;
});
