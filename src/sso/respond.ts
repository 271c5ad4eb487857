import type { ServerResponse } from 'node:http';

/**
 * Small response writers for the SSO endpoints. Every answer is `no-store` (sign-in
 * redirects and pages are per-person), never framed, and sends no Referer onwards (the
 * callback URL holds a one-time code).
 */

const COMMON = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export function redirect(
  res: ServerResponse,
  location: string,
  options: { status?: number; cookies?: readonly string[]; requestId?: string } = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(options.status ?? 302, {
    ...COMMON,
    location,
    'content-length': 0,
    ...(options.cookies?.length ? { 'set-cookie': [...options.cookies] } : {}),
    ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
  });
  res.end();
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  options: {
    cookies?: readonly string[];
    formActions?: readonly string[];
    requestId?: string;
    head?: boolean;
  } = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const formAction = ["'self'", ...(options.formActions ?? [])].join(' ');
  res.writeHead(status, {
    ...COMMON,
    // Pages post forms to their own origin: keep Origin meaningful, send nothing cross-origin.
    'referrer-policy': 'same-origin',
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    ...(options.cookies?.length ? { 'set-cookie': [...options.cookies] } : {}),
    ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
  });
  res.end(options.head ? undefined : html);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  cookies?: readonly string[],
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
    ...(cookies?.length ? { 'set-cookie': [...cookies] } : {}),
  });
  res.end(text);
}

/** Read a small request body (form posts to the SSO endpoints); rejects past `limitBytes`. */
export function readBody(req: import('node:http').IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) {
      reject(new Error('body too large'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limitBytes) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
