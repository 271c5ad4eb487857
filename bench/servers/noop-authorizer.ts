/**
 * The floor of any Node forward-auth authorizer: node:http answering every check 200 with an
 * assertion-sized header and no logic (no parsing of the original request, no token, no
 * policy, no audit). Usage: node servers/noop-authorizer.ts <port>. Exits with the harness.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
// an ES256 assertion with a few claims is ~560 bytes
const ASSERTION = 'e'.repeat(560);

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, {
    'x-gatehouse-assertion': ASSERTION,
    'x-gatehouse-user': 'bench-client',
    'content-length': 0,
  });
  res.end();
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');

const quit = () => process.exit(0);
process.on('disconnect', quit);
process.on('SIGTERM', quit);
