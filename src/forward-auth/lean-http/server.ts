import type { Socket } from 'node:net';
import { type LeanHead, parseHead } from './head.ts';
import { type AnswerSink, LeanResponse } from './response.ts';

export interface LeanServerOptions {
  /** Largest request head, in bytes (proxy.maxHeaderBytes); a larger one goes to node:http (431). */
  readonly maxHeaderBytes: number;
  /** A head must arrive within this many ms of its first byte (proxy.clientHeadersTimeoutMs); else 408. */
  readonly headersTimeoutMs: number;
  /** A kept-alive connection with nothing to do is closed after this many ms. */
  readonly idleTimeoutMs: number;
  /**
   * Serve one check: answer through `res` (now or later) and return true, or return false
   * without writing to decline it (node:http then serves the connection from this request on).
   */
  serve(head: LeanHead, socket: Socket, res: LeanResponse): boolean;
  /** Called when a check starts; the returned function when its answer is written or the connection dies. */
  begin?(): () => void;
  /** A head did not arrive in time and was answered 408 (for its decision record). */
  headTimedOut?(socket: Socket): void;
}

/**
 * The lean HTTP/1.1 engine of the dedicated forward-auth listener. An ingress asks one small
 * question per request (a bodiless GET with headers) over kept-alive connections, and on a
 * two-core node the cost of node:http's per-request machinery is most of the cost of a check.
 * This engine parses exactly that shape, strictly (head.ts), and answers with one write.
 * Anything else (a body, chunked, an upgrade, HTTP/1.0, an oversized or malformed head, a
 * request the proxy's rules refuse) is handed, with the bytes read so far, to node:http,
 * which then owns the connection: every unusual input gets node:http's answer, exactly as on
 * any other listener. ADR 0012.
 */
export class LeanHttpServer {
  readonly #o: LeanServerOptions;
  readonly #connections = new Set<LeanConnection>();
  #draining = false;

  constructor(options: LeanServerOptions) {
    this.#o = options;
  }

  /** Serve a new connection; `handOver` gives it to node:http (its data put back first). */
  accept(socket: Socket, handOver: (socket: Socket) => void): void {
    const c = new LeanConnection(
      socket,
      this.#o,
      () => this.#draining,
      handOver,
      () => this.#connections.delete(c),
    );
    this.#connections.add(c);
  }

  /** Connections currently served by the lean engine. */
  get size(): number {
    return this.#connections.size;
  }

  /** Shutdown: close idle connections now; busy ones close after their answer (`Connection: close`). */
  closeIdle(): void {
    this.#draining = true;
    for (const c of this.#connections) c.closeIfIdle();
  }

  /** Close every connection now. */
  closeAll(): void {
    this.#draining = true;
    for (const c of this.#connections) c.destroy();
  }
}

class LeanConnection implements AnswerSink {
  readonly #socket: Socket;
  readonly #o: LeanServerOptions;
  readonly #draining: () => boolean;
  readonly #handOver: (socket: Socket) => void;
  readonly #forget: () => void;
  #buffer: Buffer = EMPTY;
  /** A check is being answered: later requests wait (answers go out in order). */
  #busy = false;
  /** Answers wait in the socket's write buffer for a client that is not reading: read and serve nothing more until it drains. */
  #blocked = false;
  #closing = false;
  #pumping = false;
  #done: (() => void) | undefined;
  /** When the first byte of the head being read arrived (ms), or 0 between requests. */
  #headStart = 0;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);
  readonly #onTimeout = () => this.#timeout();
  readonly #onClose = () => this.#closed();
  readonly #onEnd = () => this.#ended();
  readonly #onDrain = () => this.#drained();

  constructor(
    socket: Socket,
    o: LeanServerOptions,
    draining: () => boolean,
    handOver: (socket: Socket) => void,
    forget: () => void,
  ) {
    this.#socket = socket;
    this.#o = o;
    this.#draining = draining;
    this.#handOver = handOver;
    this.#forget = forget;
    socket.setNoDelay(true);
    socket.setTimeout(o.idleTimeoutMs);
    socket.on('data', this.#onData);
    socket.on('timeout', this.#onTimeout);
    socket.on('close', this.#onClose);
    socket.on('end', this.#onEnd);
    socket.on('error', noop); // a reset peer: 'close' follows
  }

  closeIfIdle(): void {
    if (!this.#busy && !this.#blocked && this.#buffer.length === 0) this.destroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #data(chunk: Buffer): void {
    if (this.#closing) return; // the last answer is out: what follows is not read
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.#busy || this.#blocked) {
      // pipelined requests wait for the answer in progress (or for the client to read); do not buffer without bound
      if (this.#buffer.length > this.#o.maxHeaderBytes) this.#socket.pause();
      return;
    }
    this.#pump();
  }

  /** Serve every complete request in the buffer, one at a time (not re-entered: an answer written synchronously lets the loop go on). */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#serveBuffered();
    } finally {
      this.#pumping = false;
    }
  }

  #serveBuffered(): void {
    const s = this.#socket;
    while (!this.#busy && !this.#blocked && !this.#closing && !s.destroyed && this.#buffer.length > 0) {
      const parsed = parseHead(this.#buffer, this.#o.maxHeaderBytes);
      if (parsed.kind === 'incomplete') {
        if (this.#headStart === 0) {
          this.#headStart = Date.now();
          s.setTimeout(this.#o.headersTimeoutMs);
        } else if (Date.now() - this.#headStart > this.#o.headersTimeoutMs) {
          this.#timeout();
        }
        return;
      }
      if (parsed.kind === 'other') {
        this.#giveAway();
        return;
      }
      const { head, size } = parsed;
      const whole = this.#buffer;
      this.#buffer = size === whole.length ? EMPTY : whole.subarray(size);
      if (this.#headStart !== 0) {
        // the head came in pieces: back from the head deadline to the idle one
        this.#headStart = 0;
        s.setTimeout(this.#o.idleTimeoutMs);
      }
      this.#busy = true;
      this.#done = this.#o.begin?.();
      const res = new LeanResponse(head.method, head.close, this);
      let served: boolean;
      try {
        served = this.#o.serve(head, s, res);
      } catch {
        // a fault before any answer: node:http serves the request (and answers it as the proxy would)
        served = res.headersSent;
        if (served && this.#busy) this.destroy();
      }
      if (!served) {
        this.#busy = false;
        this.#finish();
        this.#buffer = whole;
        this.#giveAway();
        return;
      }
    }
  }

  closesAfter(clientAsked: boolean): boolean {
    this.#closing ||= clientAsked || this.#draining();
    return this.#closing;
  }

  /** The answer to the check in flight (LeanResponse sends it once). */
  send(head: string, body: string): void {
    const s = this.#socket;
    let flowing = true;
    if (!s.destroyed) {
      if (body.length === 0) flowing = s.write(head, 'latin1');
      else {
        s.cork();
        s.write(head, 'latin1');
        flowing = s.write(body, 'utf8');
        s.uncork();
      }
    }
    this.#busy = false;
    this.#finish();
    if (s.destroyed) return;
    if (this.#closing) {
      // as node:http does: end, then drop the connection once written (a peer that keeps
      // sending would otherwise hold it open)
      s.destroySoon();
      return;
    }
    if (!flowing) {
      // the client is not reading its answers: as node:http does, stop reading and serving
      // until the socket's write buffer drains (answers must not pile up without bound)
      this.#blocked = true;
      s.pause();
      s.once('drain', this.#onDrain);
      return;
    }
    if (s.isPaused()) s.resume();
    this.#pump();
  }

  #drained(): void {
    this.#blocked = false;
    const s = this.#socket;
    if (s.destroyed || this.#closing) return;
    s.resume();
    this.#pump();
  }

  #finish(): void {
    const done = this.#done;
    this.#done = undefined;
    done?.();
  }

  /** node:http takes the connection from here on, with every byte not yet served. */
  #giveAway(): void {
    const s = this.#socket;
    s.removeListener('data', this.#onData);
    s.removeListener('timeout', this.#onTimeout);
    s.removeListener('close', this.#onClose);
    s.removeListener('end', this.#onEnd);
    s.removeListener('drain', this.#onDrain);
    s.removeListener('error', noop);
    s.setTimeout(0);
    s.pause();
    if (this.#buffer.length > 0) s.unshift(this.#buffer);
    this.#buffer = EMPTY;
    this.#forget();
    this.#handOver(s);
    s.resume();
  }

  #timeout(): void {
    if (this.#busy) return;
    const s = this.#socket;
    if (this.#blocked) {
      // answers unread for the whole idle timeout: the client is gone or hostile
      s.destroy();
      return;
    }
    if (this.#buffer.length > 0) {
      // a head that never completed: node:http's answer to a slow client
      this.#closing = true;
      s.write('HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      s.destroySoon();
      this.#o.headTimedOut?.(s);
      return;
    }
    s.destroy();
  }

  /**
   * The client sent FIN (listeners are half-open, as node:http's are): a check in flight is
   * still answered, then the connection closes; otherwise it closes now.
   */
  #ended(): void {
    this.#closing = true;
    if (!this.#busy) this.#socket.end();
  }

  #closed(): void {
    this.#finish();
    this.#forget();
  }
}

const EMPTY = Buffer.alloc(0);
function noop(): void {}
