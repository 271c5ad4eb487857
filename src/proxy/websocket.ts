import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import { GatehouseError } from '../errors/index.ts';
import { upstreamErrorCode } from './forward.ts';
import { isGatehouseHeader } from './hygiene.ts';

/**
 * Pass a WebSocket (or other HTTP/1.1 Upgrade) through to the upstream after the decision
 * allowed it: the upstream's 101 answer is relayed, then bytes flow both ways untouched.
 * Resolves with the status the client saw (101, or the error's).
 */
export async function forwardUpgrade(
  pool: Pool,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  o: {
    path: string;
    headers: string[];
    requestId: string;
    protocol: string;
    headersTimeoutMs: number;
    /** Whether an upstream's `Set-Cookie` line may reach the client (default: every one). */
    keepSetCookie?: (line: string) => boolean;
  },
): Promise<{ status: number; error?: GatehouseError }> {
  const abort = new AbortController();
  const onEarlyClose = () => abort.abort();
  client.once('close', onEarlyClose);
  let upgraded: { headers: Record<string, string | string[] | undefined>; socket: Duplex };
  try {
    // headersTimeout reaches dispatch (undici spreads the options) though UpgradeOptions does
    // not declare it; without it undici waits 300 s for the 101, whatever the route says.
    const options: Dispatcher.UpgradeOptions & { headersTimeout: number } = {
      path: o.path,
      method: (req.method ?? 'GET') as 'GET',
      headers: o.headers,
      protocol: o.protocol,
      signal: abort.signal,
      headersTimeout: o.headersTimeoutMs,
    };
    upgraded = (await pool.upgrade(options)) as unknown as typeof upgraded;
  } catch (err) {
    client.off('close', onEarlyClose);
    const error = new GatehouseError(upstreamErrorCode(err), undefined, { cause: err });
    return { status: error.status, error };
  }
  client.off('close', onEarlyClose);
  const upstream = upgraded.socket;
  if (client.destroyed) {
    upstream.destroy();
    return { status: 499 };
  }
  // only the protocol the client asked for (a 101 to h2c would open a tunnel never decided)
  const protocol = String(upgraded.headers.upgrade ?? '').toLowerCase();
  if (protocol !== o.protocol.toLowerCase()) {
    upstream.destroy();
    const error = new GatehouseError('ERR_UPSTREAM_PROTOCOL', 'the upstream switched to another protocol');
    return { status: error.status, error };
  }
  let head101 = 'HTTP/1.1 101 Switching Protocols\r\n';
  for (const [name, value] of Object.entries(upgraded.headers)) {
    if (value === undefined || name === 'x-request-id' || isGatehouseHeader(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (/[\r\n]/.test(v)) continue;
      if (name === 'set-cookie' && o.keepSetCookie && !o.keepSetCookie(v)) continue;
      head101 += `${name}: ${v}\r\n`;
    }
  }
  head101 += `x-request-id: ${o.requestId}\r\n\r\n`;
  client.write(head101);
  if (head.length > 0) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
  const teardown = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.on('error', teardown);
  client.on('error', teardown);
  upstream.on('close', teardown);
  client.on('close', teardown);
  return { status: 101 };
}
