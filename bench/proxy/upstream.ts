/**
 * The trivial upstream service of the proxy benchmark: answers every request with a small fixed body.
 * Run as its own process: `node --import tsx bench/proxy/upstream.ts PORT`.
 */
import { createServer } from 'node:http';

const body = Buffer.from('hello from the benchmark upstream\n');
const port = Number(process.argv[2] ?? 0);
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
