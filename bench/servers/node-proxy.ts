/**
 * The minimal Node proxy baseline: node:http server, keep-alive http.Agent to the upstream,
 * request and response piped through, hop-by-hop Connection headers dropped. No routing, no
 * identity, no logging: the floor a Node proxy can reach on this machine.
 * Usage: node servers/node-proxy.ts <port> <upstreamPort>.
 */
import { Agent, createServer, request } from 'node:http';

const port = Number(process.argv[2]);
const upstreamPort = Number(process.argv[3]);
const agent = new Agent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 30_000 });

const server = createServer((req, res) => {
  const headers = { ...req.headers };
  delete headers['connection'];
  delete headers['keep-alive'];
  const upstream = request(
    { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent },
    (answer) => {
      const out = { ...answer.headers };
      delete out['connection'];
      delete out['keep-alive'];
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-length': 0 });
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

const quit = () => process.exit(0);
process.on('disconnect', quit);
process.on('SIGTERM', quit);
