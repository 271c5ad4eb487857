/**
 * The floor of any authorizer process on this machine: a bare `net` server answering every
 * request head with a fixed 200 and an assertion-sized header: no HTTP library, no parsing
 * beyond finding the end of the head, no logic. Usage: node servers/noop-authorizer-raw.ts <port>.
 */
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
// an ES256 assertion with a few claims is ~560 bytes
const ANSWER = `HTTP/1.1 200 OK\r\nx-gatehouse-assertion: ${'e'.repeat(560)}\r\nx-gatehouse-user: bench-client\r\ncontent-length: 0\r\n\r\n`;

const server = createServer((socket) => {
  socket.setNoDelay(true);
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    let end = pending.indexOf('\r\n\r\n');
    while (end !== -1) {
      pending = pending.slice(end + 4);
      socket.write(ANSWER, 'latin1');
      end = pending.indexOf('\r\n\r\n');
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(port, '127.0.0.1');

const quit = () => process.exit(0);
process.on('disconnect', quit);
process.on('SIGTERM', quit);
