import { Pool } from 'undici';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../errors.js';

export interface LoadOptions {
  /** Target, e.g. the proxy's `http://127.0.0.1:8080/`. */
  url: string;
  /** Requests started per second, whatever the responses do (open loop). */
  rps: number;
  /** Stop after this long; runs until `stop()` or the signal when absent. */
  durationMs?: number;
  /** Most requests in flight at once; a request due while this many are pending is skipped and counted. */
  concurrency?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  method?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface LoadStats {
  /** Requests started. */
  sent: number;
  /** Requests that got a complete response, by status class. */
  byClass: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** Connection failures and timeouts. */
  failed: number;
  /** Requests not started because `concurrency` requests were already pending. */
  skipped: number;
  inFlight: number;
  elapsedMs: number;
  /** Mean and largest latency of completed requests, in ms. */
  latencyMeanMs: number;
  latencyMaxMs: number;
}

export interface LoadHandle {
  /** Resolves when the duration has passed or the load was stopped, after in-flight requests finish. */
  readonly done: Promise<LoadStats>;
  /** Counts so far. */
  stats(): LoadStats;
  /** Stops starting requests; resolves like `done`. */
  stop(): Promise<LoadStats>;
}

const TICK_MS = 5;

/**
 * The built-in load generator: a steady open-loop rate over a keep-alive undici pool. Open loop means requests
 * start on schedule even when responses are slow — as real users do — so a slow version cannot hide by slowing
 * the load down. Used by `chimera demo`, analysis' load option and `chimera load`.
 *
 * @example
 * const load = startLoad({ url: 'http://127.0.0.1:8080/', rps: 200, durationMs: 10_000 });
 * const stats = await load.done; // { sent: 2000, byClass: { '2xx': 1990, '5xx': 10, ... }, ... }
 */
export function startLoad(options: LoadOptions): LoadHandle {
  const url = parseTarget(options.url);
  if (!Number.isFinite(options.rps) || options.rps <= 0 || options.rps > 1_000_000) {
    throw new ConfigError(`load rate must be a number of requests per second above 0, got ${options.rps}`);
  }
  const concurrency = options.concurrency ?? Math.max(8, Math.ceil(options.rps / 10));
  const pool = new Pool(url.origin, {
    connections: concurrency,
    headersTimeout: options.timeoutMs ?? 10_000,
    bodyTimeout: options.timeoutMs ?? 10_000,
  });
  const path = url.pathname + url.search;
  const s: LoadStats = {
    sent: 0,
    byClass: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    failed: 0,
    skipped: 0,
    inFlight: 0,
    elapsedMs: 0,
    latencyMeanMs: 0,
    latencyMaxMs: 0,
  };
  let latencyTotal = 0;
  let completed = 0;
  const start = performance.now();
  let issued = 0;
  let stopped = false;
  let resolveDone!: (stats: LoadStats) => void;
  const done = new Promise<LoadStats>((r) => (resolveDone = r));

  const one = async (): Promise<void> => {
    s.sent++;
    s.inFlight++;
    const t0 = performance.now();
    try {
      const res = await pool.request({ path, method: options.method ?? 'GET', headers: options.headers });
      await res.body.dump();
      const cls = `${Math.min(5, Math.max(1, Math.floor(res.statusCode / 100)))}xx` as keyof LoadStats['byClass'];
      s.byClass[cls]++;
      const ms = performance.now() - t0;
      completed++;
      latencyTotal += ms;
      if (ms > s.latencyMaxMs) s.latencyMaxMs = ms;
    } catch {
      s.failed++;
    } finally {
      s.inFlight--;
    }
  };

  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) * options.rps) / 1000) - issued;
    for (let i = 0; i < due; i++) {
      issued++;
      if (s.inFlight >= concurrency) {
        s.skipped++;
        continue;
      }
      const p = one();
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    if (options.durationMs !== undefined && performance.now() - start >= options.durationMs) void stop();
  }, TICK_MS);

  const stats = (): LoadStats => ({
    ...s,
    byClass: { ...s.byClass },
    elapsedMs: performance.now() - start,
    latencyMeanMs: completed ? latencyTotal / completed : 0,
  });

  const stop = async (): Promise<LoadStats> => {
    if (!stopped) {
      stopped = true;
      clearInterval(timer);
      options.signal?.removeEventListener('abort', onAbort);
      await Promise.allSettled([...pending]);
      await pool.close().catch(() => undefined);
      resolveDone(stats());
    }
    return done;
  };
  const onAbort = (): void => void stop();
  if (options.signal?.aborted) void stop();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  return { done, stats, stop };
}

function parseTarget(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ConfigError(`load target must be an http:// URL, got '${input}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`load target must be an http:// or https:// URL, got '${input}'`);
  }
  return url;
}
