import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/index.ts';
import { type HttpCheckHandler, LeanHttpServer } from '../forward-auth/index.ts';
import {
  type ListenerContext,
  type ProxyContext,
  type RequestHead,
  readRequest,
  recordRefusedHead,
} from '../proxy/index.ts';

/** Idle kept-alive connections close after 65 s: longer than nginx's upstream keepalive_timeout (60 s), so the ingress closes first and never reuses a connection being closed. */
export const LEAN_IDLE_TIMEOUT_MS = 65_000;

export interface LeanChecksOptions {
  readonly ctx: ProxyContext;
  readonly listener: ListenerContext;
  readonly config: Config;
  /** The dedicated listener's check handler (every path is a check). */
  readonly handler: HttpCheckHandler;
  /** In-flight accounting for graceful shutdown: called per check, returns its `done`. */
  begin?(): () => void;
}

/**
 * Put the lean engine in front of a listener's node:http server: new connections are served
 * by LeanHttpServer, which hands any it does not fully understand to node:http's own
 * connection handler (read back from the server, so node:http serves them as on any
 * listener). Plain listeners are taken over at `connection`, TLS ones at `secureConnection`.
 */
export function installLeanChecks(server: Server, tls: boolean, o: LeanChecksOptions): LeanHttpServer {
  const lean = new LeanHttpServer({
    maxHeaderBytes: o.config.proxy.maxHeaderBytes,
    headersTimeoutMs: o.config.proxy.clientHeadersTimeoutMs,
    idleTimeoutMs: LEAN_IDLE_TIMEOUT_MS,
    ...(o.begin ? { begin: o.begin } : {}),
    headTimedOut: (socket) =>
      recordRefusedHead(o.listener, socket.remoteAddress ?? '', 'ERR_REQUEST_TIMEOUT', 'head timeout', {
        via: 'forward-auth',
      }),
    serve(head, socket, res) {
      const req: RequestHead = {
        method: head.method,
        url: head.url,
        headers: head.headers,
        rawHeaders: head.rawHeaders,
        socket,
      };
      const { engine, built } = readRequest(o.ctx, o.listener, req);
      if (!built.ok) return false; // node:http answers it (400 and its audit line), as the proxy does
      o.handler(built.info, req, res, engine);
      return true;
    },
  });
  const event = tls ? 'secureConnection' : 'connection';
  const nodeListeners = server.listeners(event) as ((socket: Socket) => void)[];
  server.removeAllListeners(event);
  const handOver = (socket: Socket) => {
    for (const listener of nodeListeners) listener.call(server, socket);
  };
  server.on(event, (socket: Socket) => lean.accept(socket, handOver));
  return lean;
}
