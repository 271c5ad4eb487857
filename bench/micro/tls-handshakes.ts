/**
 * TLS load: `concurrency` loops, each opening a new TLS connection per request (full
 * handshake: no session resumption), sending `GET /` with `Connection: close` and reading the
 * answer to the end. With a client certificate (an X.509-SVID with its chain) when
 * `certFile`/`keyFile` are given. `keepAlive`: the same requests over `concurrency` kept-alive
 * connections instead (https.Agent), so the figure is the per-request cost on an established
 * (m)TLS connection. Runs for warm-up then the measured window; only requests completed inside
 * the window count.
 * Usage: node micro/tls-handshakes.ts '{"port","host","caFile","certFile"?,"keyFile"?,"concurrency","keepAlive"?,"durationS","warmupS"}'
 * Answers { rps, p50Ms, p99Ms, errors, operations, resumed, protocol } (latency: connect, or
 * request start with keepAlive, to the end of the answer).
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { connect, createSecureContext, type SecureContext } from 'node:tls';
import { answer, Histogram, runMain } from './timing.ts';

interface Input {
  port: number;
  host: string;
  caFile: string;
  certFile?: string;
  keyFile?: string;
  concurrency: number;
  keepAlive?: boolean;
  durationS: number;
  warmupS: number;
}

/** Most time one connection may take, in ms. */
const TIMEOUT_MS = 5000;

interface Attempt {
  status: number;
  resumed: boolean;
  protocol: string | null;
}

function once(port: number, secureContext: SecureContext, request: string): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    // noDelay: with Nagle on, the request written right after the handshake waits for the
    // server's delayed ACK (40 ms on Linux), which measures the client, not the server.
    const socket = connect({ host: '127.0.0.1', port, secureContext });
    socket.setNoDelay(true);
    let head = '';
    let resumed = false;
    let protocol: string | null = null;
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
    socket.setEncoding('latin1');
    socket.once('secureConnect', () => {
      resumed = socket.isSessionReused();
      protocol = socket.getProtocol();
      socket.write(request);
    });
    socket.on('data', (chunk: string) => {
      if (head.length < 32) head += chunk;
    });
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (hadError) return;
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), resumed, protocol });
    });
  });
}

/** One GET over a kept-alive connection of `agent`; resolves with the status (the body is drained). */
function keptAlive(agent: Agent, port: number, host: string): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      // servername: SNI and the name checked in the server certificate (else the Host header's)
      {
        host: '127.0.0.1',
        port,
        path: '/',
        agent,
        servername: 'localhost',
        headers: { host },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, resumed: false, protocol: null }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

runMain<Input>(async (input) => {
  const secureContext = createSecureContext({
    ca: readFileSync(input.caFile),
    ...(input.certFile && input.keyFile
      ? { cert: readFileSync(input.certFile), key: readFileSync(input.keyFile) }
      : {}),
  });
  const request = `GET / HTTP/1.1\r\nHost: ${input.host}\r\nConnection: close\r\n\r\n`;
  const agent = input.keepAlive
    ? new Agent({
        keepAlive: true,
        maxSockets: input.concurrency,
        ca: readFileSync(input.caFile),
        ...(input.certFile && input.keyFile
          ? { cert: readFileSync(input.certFile), key: readFileSync(input.keyFile) }
          : {}),
      })
    : undefined;
  const one = () =>
    agent ? keptAlive(agent, input.port, input.host) : once(input.port, secureContext, request);
  const first = await once(input.port, secureContext, request).catch((e: Error) => e);
  if (first instanceof Error) return answer({ skipped: `first TLS connection failed: ${first.message}` });
  if (first.status !== 200) return answer({ skipped: `first request answered ${first.status}, not 200` });

  const histogram = new Histogram();
  let measuring = false;
  let stopping = false;
  let errors = 0;
  let resumed = 0;
  const loop = async () => {
    while (!stopping) {
      const t0 = process.hrtime.bigint();
      let ok = false;
      let attempt: Attempt | undefined;
      try {
        attempt = await one();
        ok = attempt.status === 200;
      } catch {
        ok = false;
      }
      if (!measuring) continue;
      histogram.record(Number(process.hrtime.bigint() - t0));
      if (!ok) errors++;
      if (attempt?.resumed) resumed++;
    }
  };
  const loops = Array.from({ length: input.concurrency }, loop);
  await new Promise((r) => setTimeout(r, input.warmupS * 1000));
  measuring = true;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, input.durationS * 1000));
  measuring = false;
  const elapsedS = (performance.now() - start) / 1000;
  stopping = true;
  await Promise.all(loops);
  agent?.destroy();
  answer({
    rps: histogram.count / elapsedS,
    p50Ms: histogram.percentile(50) / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
    errors,
    operations: histogram.count,
    resumed,
    protocol: first.protocol,
    note: `${histogram.count} ${agent ? `requests over ${input.concurrency} kept-alive connections` : `connections (${input.concurrency} at a time)`} (${first.protocol}, ${input.certFile ? 'client certificate' : 'no client certificate'}), ${resumed} resumed, ${errors} errors`,
  });
});
