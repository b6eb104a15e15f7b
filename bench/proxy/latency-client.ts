/**
 * Open-loop latency probe of the proxy benchmark, run as its own process:
 * `node --import tsx bench/proxy/latency-client.ts URL RPS SECONDS CONNECTIONS` → one JSON line on stdout.
 * Requests start on a fixed schedule (1 ms ticks) whatever the responses do; every latency is kept, so p50/p99
 * are exact to the microsecond (autocannon's histogram rounds to whole milliseconds, too coarse here).
 */
import { Pool } from 'undici';

const [url = '', rpsArg = '1000', secondsArg = '5', connectionsArg = '32'] = process.argv.slice(2);
const rps = Number(rpsArg);
const seconds = Number(secondsArg);
const target = new URL(url);
const pool = new Pool(target.origin, { connections: Number(connectionsArg) });
const latencies: number[] = [];
let errors = 0;
let issued = 0;
let inFlight = 0;
let skipped = 0;
const maxInFlight = Number(connectionsArg) * 4;

async function one(): Promise<void> {
  inFlight++;
  const t0 = process.hrtime.bigint();
  try {
    const res = await pool.request({ path: target.pathname, method: 'GET' });
    await res.body.dump();
    if (res.statusCode !== 200) errors++;
    else latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  } catch {
    errors++;
  } finally {
    inFlight--;
  }
}

// Warm up connections and JIT before measuring.
await Promise.all(Array.from({ length: Number(connectionsArg) }, () => one()));
latencies.length = 0;

const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(seconds * 1e9));
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    const due = Math.floor((Number(now - start) / 1e9) * rps) - issued;
    for (let i = 0; i < due; i++) {
      issued++;
      if (inFlight >= maxInFlight) skipped++;
      else void one();
    }
    if (now >= end) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
await pool.close();
latencies.sort((a, b) => a - b);
const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(
  JSON.stringify({ rps, seconds, completed: latencies.length, errors, skipped, p50: q(0.5), p99: q(0.99), max: q(1) }) +
    '\n',
);
