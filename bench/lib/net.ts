/**
 * Loopback networking helpers: free ports, readiness polling, a one-request probe.
 * Everything here talks to 127.0.0.1 only.
 */
import { request } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Asks the kernel for a free TCP port on 127.0.0.1 (released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One GET with a fresh connection; rejects on network error or after `timeoutMs` (default 2000). */
export function httpGet(
  url: string,
  options: { host?: string; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        agent: false,
        headers: { ...options.headers, ...(options.host ? { host: options.host } : {}) },
        timeout: options.timeoutMs ?? 2000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 2000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `url` until it answers `expectStatus` (default 200). Resolves true when ready, false
 * after `timeoutMs` (default 15000) or as soon as `stillRunning()` says the server died.
 */
export async function waitForHttp(
  url: string,
  options: { host?: string; timeoutMs?: number; expectStatus?: number; stillRunning?: () => boolean } = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const expect = options.expectStatus ?? 200;
  while (Date.now() < deadline) {
    if (options.stillRunning && !options.stillRunning()) return false;
    try {
      const answer = await httpGet(url, { host: options.host, timeoutMs: 1000 });
      if (answer.status === expect) return true;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  return false;
}
