/**
 * Does a process that serves fewer requests answer more slowly on a busy host? Two instances of the sample
 * service, identical but for their traffic (9 of 10 requests to one, 1 of 10 to the other, 150 requests/s in all,
 * straight to their ports, no proxy), for SECONDS (default 60). Prints each one's share of requests over 5 and 10 ms,
 * p50 and p99. Why it matters: a canary at 10 % is the quiet process, and the latency test compares exactly these
 * shares (docs/analysis.md, Latency).
 *
 *   npx tsx bench/analysis/quiet-process-bias.ts [SECONDS]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { freePort } from '../../src/demo/demo-environment.js';
import { SAMPLE_SERVICE } from '../../src/demo/demo-spec.js';

const seconds = Number(process.argv[2] ?? 60);
const ports = [await freePort(), await freePort()] as const;
const kids = ports.map((port) =>
  spawn(process.execPath, [SAMPLE_SERVICE], {
    env: { ...process.env, PORT: String(port), VERSION: 'v1', ERROR_RATE: '0', LATENCY_MS: '2' },
    stdio: 'ignore',
  }),
);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const get = (port: number): Promise<number | null> =>
  new Promise((resolve) => {
    const t = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (r) => {
        r.resume();
        r.on('end', () => resolve(Number(process.hrtime.bigint() - t) / 1e6));
      })
      .on('error', () => resolve(null));
  });

await new Promise((r) => setTimeout(r, 1500)); // both listening
const lat = new Map<number, number[]>(ports.map((p) => [p, []]));
let i = 0;
const timer = setInterval(() => {
  for (let k = 0; k < 3; k++) {
    const port = i++ % 10 === 0 ? ports[1] : ports[0];
    void get(port).then((v) => v !== null && lat.get(port)!.push(v));
  }
}, 20);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(timer);
await new Promise((r) => setTimeout(r, 500));
const share = (a: number[], ms: number): string => `${((100 * a.filter((x) => x > ms).length) / a.length).toFixed(2)}%`;
for (const [name, port] of [
  ['busy (90 %)', ports[0]],
  ['quiet (10 %)', ports[1]],
] as const) {
  const a = lat.get(port)!.sort((x, y) => x - y);
  const q = (f: number): string => a[Math.floor(a.length * f)]!.toFixed(2);
  console.log(
    `${name}: ${a.length} requests, over 5 ms ${share(a, 5)}, over 10 ms ${share(a, 10)}, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`,
  );
}
kids.forEach((k) => k.kill());
agent.destroy();
