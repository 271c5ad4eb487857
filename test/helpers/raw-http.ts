import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers keep every value. */
  readonly headers: Map<string, string[]>;
  /** The body, de-chunked when the response was chunked. */
  readonly body: string;
}

/** Parse one raw HTTP/1.1 response (as collected by `rawRequest`). */
export function parseRawResponse(raw: string): RawResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = headEnd === -1 ? raw : raw.slice(0, headEnd);
  const rest = headEnd === -1 ? '' : raw.slice(headEnd + 4);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  let body = rest;
  if (headers.get('transfer-encoding')?.some((v) => /chunked/i.test(v))) {
    let out = '';
    let at = 0;
    for (let guard = 0; guard < 100_000; guard++) {
      const eol = rest.indexOf('\r\n', at);
      if (eol === -1) break;
      const size = Number.parseInt(rest.slice(at, eol), 16);
      if (!Number.isFinite(size) || size === 0) break;
      out += rest.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    body = out;
  }
  return { status, headers, body };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
