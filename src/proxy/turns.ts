import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * One request at a time per client connection, as nginx serves HTTP/1.1.
 *
 * Node's parser reads every request a client pipelines and emits them at once. Served
 * concurrently, a pipelined flood from one connection would be decided and sent upstream all
 * together (and out of order), holding upstream pool connections and memory while the client
 * reads nothing. Here a pipelined request starts when the response before it is over; while
 * requests wait, the connection is not read; a connection with more than MAX_WAITING requests
 * waiting is cut.
 *
 * node:http already writes a connection's responses in order: a response queued behind
 * another gets the socket (`'socket'` event) only when the one before it has finished. So a
 * request whose response has no socket yet is pipelined, and its turn comes with the socket.
 * A request on an idle connection (nearly all of them) costs one property read here.
 */

/**
 * Requests a connection may have waiting behind the one being served. The socket is paused
 * as soon as one waits, so only what its last read held can be waiting (a 64 KiB read of
 * minimal requests is ~1,800); this bounds even that. nginx serves deep pipelines too (up to
 * its keepalive_requests, 1,000 by default).
 */
export const MAX_WAITING = 1024;

type Serve = (req: IncomingMessage, res: ServerResponse) => void;

/** Requests waiting on each connection that has any. */
const waiting = new WeakMap<Socket, { count: number }>();

/** Serve `req` now when its connection is idle, else when the responses before it are over. */
export function inTurn(req: IncomingMessage, res: ServerResponse, serve: Serve): void {
  if (res.socket !== null) {
    serve(req, res);
    return;
  }
  const socket = req.socket;
  let w = waiting.get(socket);
  if (w === undefined) {
    w = { count: 0 };
    waiting.set(socket, w);
  }
  if (w.count >= MAX_WAITING) {
    socket.destroy();
    return;
  }
  if (w.count++ === 0) socket.pause();
  const queue = w;
  res.once('socket', () => {
    if (--queue.count === 0 && !socket.destroyed) socket.resume();
    serve(req, res);
  });
}
