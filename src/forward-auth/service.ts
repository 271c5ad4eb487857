import type { Config } from '../config/index.ts';
import type { ExtAuthzServer } from './ext-authz/server.ts';
import {
  createHttpCheckHandler,
  ENDPOINT_PATHS,
  type ForwardAuthDeps,
  type HttpCheckHandler,
} from './http-handler.ts';

/**
 * Forward-auth as the server wires it: the reserved paths on every listener, the handler of
 * a dedicated listener, and the ext_authz gRPC server. Checks read the current engine, so
 * policy, routes and trusted peers follow reloads; the gRPC address, the dedicated listener
 * and the reserved Envoy prefix are fixed at start (a restart applies them).
 */
export class ForwardAuth {
  readonly #deps: ForwardAuthDeps;
  #grpc?: ExtAuthzServer;

  constructor(deps: ForwardAuthDeps) {
    this.#deps = deps;
  }

  /**
   * Reserved paths to register on every host: `/.gatehouse/auth` (auto-detect) and
   * `/.gatehouse/auth/{nginx,traefik,caddy}`; plus the Envoy HTTP prefix as `<prefix>/*` (a
   * prefix key) when it lies under `/.gatehouse/`. Registered even without `forwardAuth`:
   * a check then answers 404 (so a reload can enable it).
   */
  reservedHandlers(config: Config): Map<string, HttpCheckHandler> {
    const out = new Map<string, HttpCheckHandler>();
    for (const [path, endpoint] of ENDPOINT_PATHS)
      out.set(path, createHttpCheckHandler(this.#deps, endpoint));
    const prefix = config.forwardAuth?.envoyPathPrefix;
    if (prefix?.startsWith('/.gatehouse/'))
      out.set(`${prefix}/*`, createHttpCheckHandler(this.#deps, 'envoy-http'));
    return out;
  }

  /** The handler of the dedicated forward-auth listener (`forwardAuth.listener`): every path is a check. */
  dedicatedHandler(): HttpCheckHandler {
    return createHttpCheckHandler(this.#deps, 'dedicated');
  }

  /**
   * Start the ext_authz gRPC server when `forwardAuth.grpc` is configured. gRPC and its
   * protobuf loader are imported only then: a gateway without it does not carry them in
   * its heap (~4 MB, and every major collection walks the heap).
   */
  async start(config: Config): Promise<void> {
    const grpc = config.forwardAuth?.grpc;
    if (!grpc || this.#grpc) return;
    const { ExtAuthzServer } = await import('./ext-authz/server.ts');
    this.#grpc = await ExtAuthzServer.start(this.#deps, grpc);
  }

  /** Port of the ext_authz gRPC server, or undefined when none runs. */
  get grpcPort(): number | undefined {
    return this.#grpc?.port;
  }

  /** Stop the gRPC server; calls in flight get `graceMs` (default 1000). */
  async stop(graceMs?: number): Promise<void> {
    const grpc = this.#grpc;
    this.#grpc = undefined;
    await grpc?.stop(graceMs);
  }
}
