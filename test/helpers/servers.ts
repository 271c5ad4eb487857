import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import pino from 'pino';
import { stringify } from 'yaml';
import { createLogger, Gateway } from '../../src/server/index.ts';
import { engineParts } from '../../src/server/parts.ts';

export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  close(): Promise<void>;
}

/** A real HTTP upstream on 127.0.0.1 with a free port. */
export async function startUpstream(handler: http.RequestListener): Promise<Upstream> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An upstream that echoes what it received as JSON (method, url, headers). */
export function startEchoUpstream(): Promise<Upstream> {
  return startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  });
}

export interface RunningGatehouse {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  readonly adminUrl: string;
  close(): Promise<void>;
}

/** A quiet logger for tests (errors only, to stderr). */
export const testLogger = createLogger(process.env.GATEHOUSE_TEST_LOG ?? 'silent');

/** A debug-level logger that keeps every JSON line it writes in `lines` (to assert what reached the log). */
export function capturingLogger(lines: string[]): pino.Logger {
  return pino(
    { level: 'debug', base: null, messageKey: 'message' },
    {
      write: (line: string) => {
        lines.push(line);
      },
    },
  );
}

/**
 * Start Gatehouse in-process from a config object (listener `web` on a free port, admin on a
 * free port and audit to a file unless the config says otherwise).
 */
export async function startGatehouse(
  config: Record<string, unknown>,
  options: { configFile?: string; nowSeconds?: () => number } = {},
): Promise<RunningGatehouse> {
  const full = {
    listeners: [{ name: 'web', port: 0 }],
    admin: { port: 0 },
    audit: { output: { file: '/dev/null' } },
    ...config,
  };
  const gateway = await Gateway.start({
    ...(options.configFile ? { configFile: options.configFile } : { configText: stringify(full) }),
    logger: testLogger,
    parts: engineParts(),
    watch: options.configFile !== undefined,
    ...(options.nowSeconds ? { nowSeconds: options.nowSeconds } : {}),
  });
  const port = gateway.listenerPort('web');
  return {
    gateway,
    port,
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${gateway.adminPort}`,
    close: () => gateway.shutdown(1_000),
  };
}

/** Send raw bytes and collect the raw response (for malformed requests Node's client won't send). */
export function rawRequest(port: number, payload: string | Buffer, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      // one complete response with content-length is enough
      const m = /content-length: (\d+)\r\n/i.exec(text);
      const headEnd = text.indexOf('\r\n\r\n');
      if (m && headEnd !== -1 && Buffer.byteLength(text.slice(headEnd + 4), 'latin1') >= Number(m[1])) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(e);
    });
    socket.write(payload);
  });
}

/** Status code of a raw HTTP response. */
export function statusOf(raw: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}
