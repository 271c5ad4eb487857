import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Config, ListenerConfig } from '../config/index.ts';
import { ERRORS, GatehouseError } from '../errors/index.ts';
import { publish } from '../observe/index.ts';
import {
  createRequestHandler,
  createUpgradeHandler,
  type ListenerContext,
  markMalformed,
  type ProxyContext,
  recordRefusedHead,
} from '../proxy/index.ts';
import { watchFiles } from './file-watch.ts';
import { installLeanChecks, type LeanChecksOptions } from './lean-checks.ts';

/**
 * The TLS profile of every listener: TLS 1.2 and 1.3 only, and for TLS 1.2 only ECDHE / DHE
 * with AEAD ciphers (Mozilla's "intermediate" profile): no CBC, RC4, 3DES, NULL or anonymous
 * suites, whatever a client offers. TLS 1.3's suites are all AEAD.
 */
const TLS_PROFILE = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
    'DHE-RSA-AES128-GCM-SHA256',
    'DHE-RSA-AES256-GCM-SHA384',
  ].join(':'),
  honorCipherOrder: true,
} as const;

export interface RunningListener {
  readonly name: string;
  readonly server: http.Server;
  readonly context: ListenerContext;
  /** The bound port (useful when the config asked for port 0). */
  port(): number;
  /** Re-read the certificate files and client-certificate options (TLS listeners). */
  reloadTls?(): void;
  /** Stop accepting connections. */
  close(): void;
  /** Shutdown: close connections with nothing in flight; busy ones close after their answer. */
  closeIdleConnections(): void;
  /** Close every connection now. */
  closeAllConnections(): void;
}

/** The dedicated forward-auth listener: its checks go through the lean engine (lean-checks.ts). */
export type LeanListenerOptions = Pick<LeanChecksOptions, 'handler' | 'begin'>;

/** Extra TLS server options for client certificates (set by the mTLS identity room). */
export type ClientCertificateOptions = () => { ca?: string | Buffer | (string | Buffer)[] } | undefined;

function readTls(l: ListenerConfig): { cert: Buffer; key: Buffer } {
  const tls = l.tls!;
  try {
    return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  } catch (err) {
    throw new GatehouseError(
      'ERR_TLS_MATERIAL',
      `listener ${l.name}: cannot read ${tls.certFile} / ${tls.keyFile}`,
      { cause: err },
    );
  }
}

/**
 * Create and bind one listener (HTTP, or HTTPS with optional client certificates).
 * Certificate and key files are watched and swapped in with setSecureContext; a bad new
 * pair is rejected and the old one keeps serving.
 */
export async function startListener(
  l: ListenerConfig,
  config: Config,
  ctx: ProxyContext,
  clientCertificates?: ClientCertificateOptions,
  lean?: LeanListenerOptions,
): Promise<RunningListener> {
  const context: { -readonly [K in keyof ListenerContext]: ListenerContext[K] } = {
    name: l.name,
    scheme: l.tls ? 'https' : 'http',
    port: l.port,
    clientCertificates: l.tls?.clientCertificates ?? 'none',
  };
  const common: http.ServerOptions = {
    maxHeaderSize: config.proxy.maxHeaderBytes,
    headersTimeout: config.proxy.clientHeadersTimeoutMs,
    requestTimeout: 0,
    keepAliveTimeout: 5_000,
    joinDuplicateHeaders: false,
    requireHostHeader: true,
    connectionsCheckingInterval: 1_000,
  };
  let server: http.Server;
  let stopWatch: (() => void) | undefined;
  let reloadTls: (() => void) | undefined;
  if (l.tls) {
    const material = readTls(l);
    const wantsCerts = l.tls.clientCertificates !== 'none';
    const certOpts = wantsCerts ? (clientCertificates?.() ?? {}) : {};
    server = https.createServer({
      ...common,
      ...material,
      ...TLS_PROFILE,
      // a client that stalls in the handshake is cut as one that stalls in its head (Node's default is 120 s)
      handshakeTimeout: config.proxy.clientHeadersTimeoutMs,
      ...(wantsCerts ? { requestCert: true, rejectUnauthorized: false, ...certOpts } : {}),
    });
    const tlsServer = server as https.Server;
    // a failed or timed-out handshake (a stalled ClientHello, a refused version): drop it now
    tlsServer.on('tlsClientError', (_err, socket) => socket.destroy());
    const reload = () => {
      try {
        const next = readTls(l);
        const extra = wantsCerts ? (clientCertificates?.() ?? {}) : {};
        tlsServer.setSecureContext({ ...next, ...TLS_PROFILE, ...extra });
        publish.tlsReload({ listener: l.name, ok: true });
      } catch (err) {
        publish.tlsReload({ listener: l.name, ok: false, error: (err as Error).message });
      }
    };
    stopWatch = watchFiles([l.tls.certFile, l.tls.keyFile], reload);
    reloadTls = reload;
  } else {
    server = http.createServer(common);
  }
  // A client that stops sending (a slow-loris body, a dead peer) is cut after the idle timeout;
  // upgraded connections (WebSockets) are exempt: they may be quiet for a long time.
  server.timeout = config.proxy.timeouts.idleMs ?? 60_000;
  server.on('timeout', (socket) => socket.destroy());
  const handleRequest = createRequestHandler(ctx, context);
  server.on('request', handleRequest);
  // Expect: 100-continue is answered only after the decision allowed the request (the proxy
  // calls writeContinue), so a denied client is told no before it uploads its body
  server.on('checkContinue', handleRequest);
  server.prependListener('upgrade', (_req, socket: Socket) => socket.setTimeout(0));
  server.on('upgrade', createUpgradeHandler(ctx, context));
  // CONNECT is never tunnelled (a tunnel would carry requests Gatehouse never decides on): 405
  server.on('connect', (_req, socket: Socket) => {
    socket.end('HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    recordRefusedHead(context, socket.remoteAddress ?? '', 'ERR_METHOD_NOT_ALLOWED', 'CONNECT is refused', {
      method: 'CONNECT',
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (err.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    // The error is in bytes after a request whose answer is in flight: a 400 written now would
    // be read as that answer, or land inside its body. Bytes after a `Connection: close`
    // request are ignored (its answer goes out, then the connection closes); others cut it.
    const serving = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (serving && (serving.headersSent || serving.req.complete)) {
      if (err.code !== 'HPE_CLOSED_CONNECTION') socket.destroy();
      return;
    }
    // a request whose body is being read broke its framing: its exchange records this 400
    if (serving) markMalformed(serving);
    const code =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? 'ERR_REQUEST_HEADERS_TOO_LARGE'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'ERR_REQUEST_TIMEOUT'
          : 'ERR_REQUEST_MALFORMED';
    const { status } = ERRORS[code];
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
    );
    // a refused head is a request too: it gets its decision record (a malformed body was
    // already recorded by its exchange; a reset is no request)
    const fromParser = err.code?.startsWith('HPE_') === true || err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!serving && fromParser) {
      recordRefusedHead(context, socket.remoteAddress ?? '', code, `HTTP parser: ${err.code}`);
    }
  });
  const leanServer = lean
    ? installLeanChecks(server, l.tls !== undefined, { ...lean, ctx, listener: context, config })
    : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: l.port, host: l.address }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  context.port = (server.address() as AddressInfo).port;
  return {
    name: l.name,
    server,
    context,
    port: () => (server.address() as AddressInfo | null)?.port ?? context.port,
    ...(reloadTls ? { reloadTls } : {}),
    close() {
      stopWatch?.();
      server.close();
    },
    closeIdleConnections() {
      server.closeIdleConnections();
      leanServer?.closeIdle();
    },
    closeAllConnections() {
      server.closeAllConnections();
      leanServer?.closeAll();
    },
  };
}
