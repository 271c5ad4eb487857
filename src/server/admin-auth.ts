import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.ts';
import { resolveSecret } from '../config/index.ts';

/**
 * Guard for admin write APIs (revocation, reload). When `admin.token` is configured, the
 * request must carry `Authorization: Bearer <token>`; the comparison is constant-time over
 * SHA-256 digests. Without a token, writes are accepted only from loopback peers.
 * Answers 401/403 itself and returns false when the request may not proceed.
 */
export function authorizeAdminWrite(config: Config, req: IncomingMessage, res: ServerResponse): boolean {
  const deny = (status: number, error: string) => {
    const body = JSON.stringify({ error });
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...(status === 401 ? { 'www-authenticate': 'Bearer realm="gatehouse-admin"' } : {}),
    });
    res.end(body);
    return false;
  };
  if (!config.admin.token) {
    const peer = req.socket.remoteAddress ?? '';
    if (peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1') return true;
    return deny(403, 'admin-token-required');
  }
  let expected: string;
  try {
    expected = resolveSecret(config.admin.token);
  } catch {
    return deny(503, 'admin-token-unavailable');
  }
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m) return deny(401, 'admin-unauthenticated');
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) ? true : deny(401, 'admin-unauthenticated');
}
