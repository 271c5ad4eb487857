import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  ServerCredentials as Credentials,
  Server,
  type ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { ForwardAuthConfig } from '../../config/index.ts';
import { GatehouseError } from '../../errors/index.ts';
import { publish } from '../../observe/index.ts';
import { type Answer, refusal } from '../answer.ts';
import { type Checked, check } from '../check.ts';
import { clientIdentityHeaders } from '../client-identity-headers.ts';
import type { ForwardAuthDeps } from '../http-handler.ts';
import { partialInfo } from '../original-request.ts';
import { checkRequestId } from '../request-id.ts';
import { type ForwardAuthRuntime, forwardAuthRuntime } from '../runtime.ts';
import { type CheckRequestMessage, readCheckRequest } from './check-request.ts';
import { type CheckResponseMessage, checkResponse } from './check-response.ts';
import { authorizationService } from './load.ts';

type GrpcSettings = NonNullable<ForwardAuthConfig['grpc']>;

/** Listener name recorded for ext_authz checks (and matched by routes pinned to listeners). */
export const EXT_AUTHZ_LISTENER = 'ext-authz';

/**
 * The Envoy ext_authz gRPC service (`envoy.service.auth.v3.Authorization/Check`). Each
 * CheckRequest becomes the same check the HTTP adapters run; the answer becomes a
 * CheckResponse. The handler never throws: anything unexpected is a denied_response 403
 * with reason `internal-error`.
 */
export class ExtAuthzServer {
  readonly #server: Server;
  readonly #port: number;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.#port = port;
  }

  /** Load the protos, bind and start. Rejects on unreadable TLS material or a busy port. */
  static async start(deps: ForwardAuthDeps, settings: GrpcSettings): Promise<ExtAuthzServer> {
    const { service } = authorizationService();
    const server = new Server({
      'grpc.max_receive_message_length': settings.maxMessageBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    server.addService(service, {
      Check: (
        call: ServerUnaryCall<CheckRequestMessage, CheckResponseMessage>,
        callback: sendUnaryData<CheckResponseMessage>,
      ) => handleCheck(deps, call, callback),
    });
    const credentials = serverCredentials(settings);
    const host = isIP(settings.address) === 6 ? `[${settings.address}]` : settings.address;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${settings.port}`, credentials, (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    return new ExtAuthzServer(server, port);
  }

  /** The bound port (useful when the config asked for port 0). */
  get port(): number {
    return this.#port;
  }

  /** Stop accepting; let calls in flight finish within `graceMs` (default 1000), then cut. */
  stop(graceMs = 1_000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function serverCredentials(settings: GrpcSettings): ServerCredentials {
  const tls = settings.tls;
  if (!tls) return Credentials.createInsecure();
  try {
    const ca = tls.clientCaFile ? readFileSync(tls.clientCaFile) : null;
    return Credentials.createSsl(
      ca,
      [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
      ca !== null,
    );
  } catch (err) {
    throw new GatehouseError(
      'ERR_TLS_MATERIAL',
      `forwardAuth.grpc.tls: cannot read ${tls.certFile} / ${tls.keyFile}`,
      {
        cause: err,
      },
    );
  }
}

function handleCheck(
  deps: ForwardAuthDeps,
  call: ServerUnaryCall<CheckRequestMessage, CheckResponseMessage>,
  callback: sendUnaryData<CheckResponseMessage>,
): void {
  const start = performance.now();
  const peer = peerAddress(call.getPeer());
  let rt: ForwardAuthRuntime | undefined;
  const reply = (checked: Checked) => {
    const remove = checked.answer.allow
      ? clientIdentityHeaders(checked.info, rt, checked.answer.headers)
      : [];
    callback(null, checkResponse(checked.answer, remove));
    publish.requestFinished({
      request: checked.info,
      decision: checked.answer.decision,
      status: checked.answer.allow ? 200 : checked.answer.status >= 500 ? 403 : checked.answer.status,
      durationMs: performance.now() - start,
      via: 'ext-authz',
    });
  };
  const context = {
    id: '',
    peerAddress: peer,
    clientAddress: peer,
    listener: EXT_AUTHZ_LISTENER,
    defaultScheme: 'http' as const,
    mergeSlashes: true,
    allowSemicolons: false,
  };
  const refuse = (answer: (id: string) => Answer, id: string): Checked => ({
    info: partialInfo({ ...context, id }, '', {}),
    answer: answer(id),
  });
  try {
    const engine = deps.current();
    rt = forwardAuthRuntime(engine);
    const message = call.request;
    const given = message?.attributes?.request?.http?.id;
    const id = checkRequestId(given);
    if (!rt?.config.grpc) {
      reply(refuse((i) => refusal('route-not-found', i, undefined, 'ext_authz not configured'), id));
      return;
    }
    if (!rt.peers.has(peer)) {
      reply(
        refuse(
          (i) =>
            refusal('forward-auth-untrusted-peer', i, undefined, 'peer not in forwardAuth.trustedProxies'),
          id,
        ),
      );
      return;
    }
    const read = readCheckRequest(message, rt.maxHeaderBytes);
    if (!read.ok) {
      reply(refuse((i) => refusal(read.reason, i, undefined, read.detail), id));
      return;
    }
    const facts = read.facts;
    const checked = check({
      rt,
      original: facts.original,
      headers: facts.headers,
      rawHeaders: facts.rawHeaders,
      context: {
        ...context,
        id,
        clientAddress: facts.sourceAddress ?? peer,
        mergeSlashes: rt.mergeSlashes,
        allowSemicolons: rt.allowSemicolons,
      },
      browserSignIn: 302,
      propagate: deps.propagate,
      nowSeconds: deps.nowSeconds(),
      ...(rt.config.grpc.trustSourcePrincipal && facts.sourcePrincipal
        ? { sourcePrincipal: facts.sourcePrincipal }
        : {}),
    });
    if (checked instanceof Promise) checked.then(reply).catch((err: unknown) => internal(err, id));
    else reply(checked);
  } catch (err) {
    internal(err, checkRequestId(undefined));
  }

  function internal(err: unknown, id: string): void {
    publish.internalError({ where: 'ext-authz.check', requestId: id, error: err });
    try {
      reply(refuse((i) => refusal('internal-error', i, undefined), id));
    } catch {
      callback(null, {
        status: { code: 7, message: 'internal-error' },
        denied_response: { status: { code: 403 }, headers: [], body: '' },
      });
    }
  }
}

/** The address part of grpc-js's `getPeer()` (`addr:port`, IPv6 without brackets). */
export function peerAddress(peer: string): string {
  const colon = peer.lastIndexOf(':');
  const addr = colon === -1 ? peer : peer.slice(0, colon);
  const bare = addr.startsWith('[') && addr.endsWith(']') ? addr.slice(1, -1) : addr;
  return bare.startsWith('::ffff:') && bare.includes('.') ? bare.slice(7) : bare;
}
