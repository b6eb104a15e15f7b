import { Pool } from 'undici';
import type { Endpoint } from '../ports/platform.js';
import { formatHostPort } from './address.js';

/** Timeouts for upstream requests. */
export interface UpstreamTimeouts {
  /** TCP connect. */
  connectMs: number;
  /** Until the response headers arrive, and then between body chunks. */
  responseMs: number;
}

/** One upstream endpoint and its keep-alive connection pool. */
export interface Upstream {
  readonly key: string;
  readonly origin: string;
  readonly pool: Pool;
}

/**
 * One keep-alive pool per upstream endpoint, shared by every role that routes to it, created on first use and
 * closed (after its in-flight requests finish) once no route refers to it any more.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Upstream>();

  constructor(private readonly timeouts: UpstreamTimeouts) {}

  get(endpoint: Endpoint): Upstream {
    const key = formatHostPort(endpoint);
    let u = this.pools.get(key);
    if (!u) {
      const origin = `http://${key}`;
      u = {
        key,
        origin,
        pool: new Pool(origin, {
          connections: 512,
          pipelining: 1,
          keepAliveTimeout: 4_000,
          connectTimeout: this.timeouts.connectMs,
          headersTimeout: this.timeouts.responseMs,
          bodyTimeout: this.timeouts.responseMs,
        }),
      };
      this.pools.set(key, u);
    }
    return u;
  }

  /** Closes the pools of endpoints not in `keep`. */
  retain(keep: Set<string>): void {
    for (const [key, u] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      u.pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((u) => u.pool.destroy().catch(() => undefined)));
  }
}
