import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import type { ErrorCode } from '../errors/index.ts';
import { GatehouseError } from '../errors/index.ts';
import { Deadline, Deadlines } from './deadlines.ts';
import { isMalformed } from './malformed.ts';
import { downstreamHeaders } from './upstream-headers.ts';

export interface ForwardOptions {
  readonly path: string;
  readonly method: string;
  readonly headers: string[];
  readonly requestId: string;
  /** Whether an upstream's `Set-Cookie` line may reach the client (default: every one). */
  readonly keepSetCookie?: (line: string) => boolean;
  readonly maxBodyBytes: number;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly totalTimeoutMs: number;
}

export interface ForwardResult {
  /** Status sent to the client (upstream's, or the error mapping's). */
  readonly status: number;
  readonly upstreamStatus?: number;
  readonly error?: GatehouseError;
  /** The client went away before the exchange finished (recorded as 499, not an upstream error). */
  readonly clientClosed?: boolean;
}

/** Counts request body bytes and fails the stream past the limit. */
class BodyLimit extends Transform {
  #seen = 0;
  readonly #limit: number;
  exceeded = false;
  constructor(limit: number) {
    super();
    this.#limit = limit;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#limit) {
      this.exceeded = true;
      cb(new GatehouseError('ERR_REQUEST_BODY_TOO_LARGE'));
      return;
    }
    cb(null, chunk);
  }
}

/** Map an undici / socket error to a catalogued error (502 / 503 / 504). */
export function upstreamErrorCode(err: unknown): ErrorCode {
  // Not every error's code is a string: an AbortSignal's DOMException (client gone) has code 20.
  const raw = (err as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' ? raw : '';
  if (err instanceof GatehouseError) return err.code;
  // undici's HTTPParserError often has no code (its wasm parser's error name is not mapped):
  // recognise it by name, or a garbled status line would count as a connect failure.
  if (code === '' && (err as { name?: string } | null)?.name === 'HTTPParserError')
    return 'ERR_UPSTREAM_PROTOCOL';
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'ERR_UPSTREAM_TIMEOUT';
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'ERR_UPSTREAM_UNAVAILABLE';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'ERR_UPSTREAM_RESET';
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'UND_ERR_INFO':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
    case 'ERR_HTTP_INVALID_STATUS_CODE':
    case 'ERR_HTTP_HEADERS_SENT':
    case 'ERR_INVALID_HTTP_TOKEN':
    case 'ERR_INVALID_CHAR':
      return 'ERR_UPSTREAM_PROTOCOL';
    default:
      if (code.startsWith('HPE_')) return 'ERR_UPSTREAM_PROTOCOL';
      if (code.startsWith('ERR_TLS') || code.includes('CERT')) return 'ERR_UPSTREAM_CONNECT';
      return 'ERR_UPSTREAM_CONNECT';
  }
}

/** The limits of every exchange in flight in this process (deadlines.ts). */
const DEADLINES = new Deadlines();

function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

/**
 * Forward one request through a keep-alive pool, streaming bodies both ways (never buffered
 * whole) with backpressure. Calls `onDone` exactly once when the exchange is over; never
 * throws. Errors before the response started are returned for the caller to render; after,
 * the client connection is cut. Uses undici's dispatch handler API directly: no stream
 * wrapper, no AbortSignal, no promise per request.
 */
export function forward(
  pool: Pool,
  req: IncomingMessage,
  res: ServerResponse,
  o: ForwardOptions,
  onDone: (result: ForwardResult) => void,
): void {
  let limiter: BodyLimit | undefined;
  let body: Dispatcher.DispatchOptions['body'] = null;
  if (hasBody(req)) {
    const cl = req.headers['content-length'];
    if (cl !== undefined && req.headers['transfer-encoding'] === undefined && Number(cl) <= o.maxBodyBytes) {
      body = req;
    } else {
      limiter = new BodyLimit(o.maxBodyBytes);
      req.on('error', (e) => limiter?.destroy(e));
      body = req.pipe(limiter);
    }
  }
  // headers and idle-body limits: undici's own when a body is uploaded (its headers clock
  // starts once the body is sent), else ours, from dispatch
  const uploads = body !== null;
  const exchange = new Exchange(req, res, o, uploads, limiter, onDone);
  DEADLINES.add(exchange);
  res.on('close', exchange.onClientClose);
  try {
    pool.dispatch(
      {
        path: o.path,
        method: o.method as Dispatcher.HttpMethod,
        headers: o.headers,
        body,
        headersTimeout: uploads ? o.headersTimeoutMs : 0,
        bodyTimeout: uploads ? o.idleTimeoutMs : 0,
        blocking: false,
      },
      exchange,
    );
  } catch (err) {
    exchange.fail(err);
  }
}

/**
 * One upstream exchange: its deadline (swept by DEADLINES) and undici's dispatch handler in
 * one object, so a request allocates one of these instead of a closure per callback.
 */
class Exchange extends Deadline implements Dispatcher.DispatchHandler {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #requestId: string;
  readonly #keepSetCookie: ((line: string) => boolean) | undefined;
  readonly #limiter: BodyLimit | undefined;
  readonly #onDone: (result: ForwardResult) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #finished = false;
  #timedOut = false;
  #clientClosed = false;
  #upstreamStatus: number | undefined;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    o: ForwardOptions,
    uploads: boolean,
    limiter: BodyLimit | undefined,
    onDone: (result: ForwardResult) => void,
  ) {
    super(
      performance.now(),
      o.totalTimeoutMs,
      uploads ? 0 : o.headersTimeoutMs,
      uploads ? 0 : o.idleTimeoutMs,
    );
    this.#req = req;
    this.#res = res;
    this.#requestId = o.requestId;
    this.#keepSetCookie = o.keepSetCookie;
    this.#limiter = limiter;
    this.#onDone = onDone;
  }

  /** A limit passed (called by the sweep). */
  override fire(): void {
    this.#timedOut = true;
    this.#controller?.abort(new GatehouseError('ERR_UPSTREAM_TIMEOUT'));
  }

  /** The client connection closed: abort the exchange unless it is over. */
  readonly onClientClose = (): void => {
    if (!this.#finished && !this.#res.writableFinished) {
      this.#clientClosed = true;
      this.#controller?.abort(new Error('client closed the connection'));
    }
  };

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.#timedOut) {
      c.abort(new GatehouseError('ERR_UPSTREAM_TIMEOUT'));
      return;
    }
    if (this.#clientClosed || this.#res.destroyed) {
      this.#clientClosed = true;
      c.abort(new Error('client closed the connection'));
    }
  }

  onResponseStart(
    c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 100 || statusCode > 999) {
      c.abort(new GatehouseError('ERR_UPSTREAM_PROTOCOL', `status ${statusCode}`));
      return;
    }
    // 1xx (102 Processing, 103 Early Hints) are not the answer: the final head follows
    if (statusCode < 200) return;
    this.#upstreamStatus = statusCode;
    this.headersReceived(performance.now());
    // the upstream answers before the whole request body arrived (an early 401 or 413): nobody
    // reads the rest, so the client's next request would sit behind it. Close after this answer.
    if (!this.#req.complete) this.#res.shouldKeepAlive = false;
    try {
      this.#res.writeHead(
        statusCode,
        downstreamHeaders(headers as Record<string, string | string[]>, this.#requestId, this.#keepSetCookie),
      );
    } catch (err) {
      c.abort(err as Error);
    }
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#res.write(chunk)) {
      this.data(performance.now(), false);
    } else {
      this.data(performance.now(), true);
      c.pause();
      this.#res.once('drain', () => {
        this.resumed(performance.now());
        c.resume();
      });
    }
  }

  onResponseEnd(): void {
    this.#res.end();
    this.#done(
      this.#upstreamStatus !== undefined
        ? { status: this.#upstreamStatus, upstreamStatus: this.#upstreamStatus }
        : { status: 502 },
    );
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  fail(err: unknown): void {
    let code: ErrorCode;
    if (this.#limiter?.exceeded) code = 'ERR_REQUEST_BODY_TOO_LARGE';
    else if (this.#timedOut) code = 'ERR_UPSTREAM_TIMEOUT';
    else if (isMalformed(this.#res)) {
      // the client broke its own body: answered 400 by the listener, not a client that left
      code = 'ERR_REQUEST_BODY_INVALID';
      this.#clientClosed = false;
    } else code = upstreamErrorCode(err);
    const error = new GatehouseError(code, undefined, { cause: err });
    if (this.#res.headersSent) this.#res.destroy();
    this.#done({
      status: error.status,
      error,
      ...(this.#clientClosed ? { clientClosed: true } : {}),
      ...(this.#upstreamStatus !== undefined ? { upstreamStatus: this.#upstreamStatus } : {}),
    });
  }

  #done(result: ForwardResult): void {
    if (this.#finished) return;
    this.#finished = true;
    DEADLINES.delete(this);
    this.#res.off('close', this.onClientClose);
    this.#onDone(result);
  }
}
