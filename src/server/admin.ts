import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../metrics/index.ts';

export type AdminRoute = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => void | Promise<void>;

export interface AdminOptions {
  readonly address: string;
  readonly port: number;
  readonly metrics: Metrics;
  /** Ready only when config is loaded and every listener is up, and not shutting down. */
  ready(): boolean;
  /** Extra GET/POST endpoints, by exact path (e.g. JWKS, revocation). */
  readonly routes?: ReadonlyMap<string, AdminRoute>;
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/**
 * The admin listener, on its own port (bind it to loopback or a pod-internal address):
 * `/healthz` (process alive), `/readyz` (config loaded, listeners up, not draining),
 * `/metrics` (Prometheus). Anything else is 404.
 */
export async function startAdmin(
  o: AdminOptions,
): Promise<{ server: http.Server; port: number; close(): void }> {
  // connectionsCheckingInterval: Node checks the two timeouts only this often (default 30 s)
  const server = http.createServer(
    { requestTimeout: 10_000, headersTimeout: 5_000, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://admin.invalid');
      } catch {
        send(res, 400, 'bad request\n');
        return;
      }
      const extra = o.routes?.get(url.pathname);
      if (extra) {
        Promise.resolve(extra(req, res, url)).catch(() => {
          if (!res.headersSent) send(res, 500, 'internal error\n');
          else res.destroy();
        });
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'method not allowed\n');
        return;
      }
      switch (url.pathname) {
        case '/healthz':
          send(res, 200, 'ok\n');
          return;
        case '/readyz':
          if (o.ready()) send(res, 200, 'ready\n');
          else send(res, 503, 'not ready\n');
          return;
        case '/metrics':
          o.metrics.registry.metrics().then(
            (text) => send(res, 200, text, o.metrics.registry.contentType),
            () => send(res, 500, 'metrics unavailable\n'),
          );
          return;
        default:
          send(res, 404, 'not found\n');
      }
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: o.port, host: o.address }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
