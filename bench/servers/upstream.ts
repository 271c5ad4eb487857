/**
 * The bare upstream: node:http answering every request with a small 200 body.
 * Usage: node servers/upstream.ts <port>. Exits when the harness (IPC parent) goes away.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const BODY = Buffer.from('{"ok":true,"service":"bench-upstream"}\n');

const server = createServer((req, res) => {
  // Drain any request body before answering, as a real service would.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    res.end(BODY);
  });
});
// Proxies keep pooled connections: do not close them between bursts.
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

const quit = () => process.exit(0);
process.on('disconnect', quit);
process.on('SIGTERM', quit);
