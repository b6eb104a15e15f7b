/**
 * Server benchmark (not a test): `node --import tsx bench/server/run.ts [CLIENTS] [SECONDS]`.
 *
 * 1. Starts bench-server.ts (real server, store and controller; rollouts run back to back) in a child process.
 * 2. Opens CLIENTS (default 1000) event-stream connections and, for every `state` event, records the delay from the
 *    state change (`updatedAt`, stamped by the engine before the state is persisted) to its arrival at the client.
 * 3. While those streams run, loads the API with autocannon (GET /api/v1/services, GET /api/v1/rollouts?limit=20).
 * Prints a JSON document and a table; bench/results/ keeps the JSON.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { request, Agent } from 'node:http';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const CLIENTS = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 30);

const child = spawn(process.execPath, ['--import', 'tsx', 'bench/server/bench-server.ts'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, CHIMERA_LOG_LEVEL: 'silent' },
});
const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
  createInterface({ input: child.stdout }).once('line', (l) =>
    resolve(JSON.parse(l) as { url: string; token: string }),
  );
  child.once('exit', (code) => reject(new Error(`bench server exited ${code}`)));
});

const delays: number[] = [];
let events = 0;
let failures = 0;
let measuring = false;
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const streams: Array<() => void> = [];

function openStream(): Promise<void> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/api/v1/stream`,
      { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) failures++;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          const now = Date.now();
          buf += chunk;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (!block.includes('event: ')) continue;
            if (measuring) events++;
            if (measuring && block.includes('event: state')) {
              const data = block.slice(block.indexOf('data: ') + 6);
              delays.push(now - (JSON.parse(data) as { data: { updatedAt: number } }).data.updatedAt);
            }
          }
        });
        res.on('error', () => failures++);
        streams.push(() => res.destroy());
        resolve();
      },
    );
    req.on('error', () => {
      failures++;
      resolve();
    });
    req.end();
  });
}

// Open the streams in batches, as a crowd of dashboards would arrive.
for (let i = 0; i < CLIENTS; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, CLIENTS - i) }, () => openStream()));
}
measuring = true;
const started = Date.now();

const api = async (path: string) => {
  const r = await autocannon({
    url: url + path,
    connections: 20,
    duration: Math.max(5, Math.floor(SECONDS / 3)),
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    path,
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
  };
};
const apiResults = [await api('/api/v1/services'), await api('/api/v1/rollouts?limit=20')];
const remaining = SECONDS * 1000 - (Date.now() - started);
if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
measuring = false;
const elapsed = (Date.now() - started) / 1000;

const metricsText = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
const rss = Number(/chimera_server_process_resident_memory_bytes (\d+)/.exec(metricsText)?.[1] ?? NaN);
for (const close of streams) close();
child.kill('SIGTERM');

delays.sort((a, b) => a - b);
const q = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] ?? NaN;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  clients: CLIENTS,
  seconds: Math.round(elapsed),
  streamFailures: failures,
  eventsDelivered: events,
  eventsPerSecond: Math.round(events / elapsed),
  stateDelayMs: { samples: delays.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: delays[delays.length - 1] },
  serverRssMiB: Math.round(rss / 1024 / 1024),
  api: apiResults,
};
await mkdir('bench/results', { recursive: true });
await writeFile(`bench/results/server-${Date.now()}.json`, JSON.stringify(result, null, 2));
process.stdout.write(JSON.stringify(result, null, 2) + '\n\n');
process.stdout.write(
  `SSE: ${CLIENTS} clients, ${result.eventsPerSecond} events/s delivered, state delay p50 ${q(0.5)} ms, ` +
    `p99 ${q(0.99)} ms, max ${result.stateDelayMs.max} ms; stream failures ${failures}; server RSS ${result.serverRssMiB} MiB\n`,
);
process.stdout.write('API under load (20 connections, while the streams run)\n');
process.stdout.write('path                          req/s    p50 ms   p99 ms   max ms   non-2xx\n');
for (const a of apiResults) {
  process.stdout.write(
    `${a.path.padEnd(28)} ${String(Math.round(a.requestsPerSec)).padStart(6)} ${String(a.p50Ms).padStart(9)} ` +
      `${String(a.p99Ms).padStart(8)} ${String(a.maxMs).padStart(8)} ${String(a.non2xx).padStart(9)}\n`,
  );
}
process.exit(0);
