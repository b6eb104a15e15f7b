import { Pool } from 'undici';
import type { Endpoint } from '../ports/platform.js';
import { formatHostPort } from './address.js';
import { SocketPool } from './raw/upstream-sockets.js';

/** Timeouts for upstream requests. */
export interface UpstreamTimeouts {
  /** TCP connect. */
  connectMs: number;
  /** Until the response headers arrive, and then between body chunks. */
  responseMs: number;
}

/** One upstream endpoint and its keep-alive connections (an undici Pool or raw sockets, by engine; made lazily). */
export class Upstream {
  private undici: Pool | undefined;
  private raw: SocketPool | undefined;

  constructor(
    readonly key: string,
    readonly endpoint: Endpoint,
    private readonly timeouts: UpstreamTimeouts,
  ) {}

  get origin(): string {
    return `http://${this.key}`;
  }

  get pool(): Pool {
    return (this.undici ??= new Pool(this.origin, {
      connections: 512,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      connectTimeout: this.timeouts.connectMs,
      headersTimeout: this.timeouts.responseMs,
      bodyTimeout: this.timeouts.responseMs,
    }));
  }

  get sockets(): SocketPool {
    return (this.raw ??= new SocketPool(this.endpoint, this.timeouts));
  }

  /** Closes gracefully: in-flight requests finish. */
  close(): void {
    this.undici?.close().catch(() => undefined);
    this.raw?.close();
  }

  async destroy(): Promise<void> {
    this.raw?.close();
    await this.undici?.destroy().catch(() => undefined);
  }
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
      u = new Upstream(key, endpoint, this.timeouts);
      this.pools.set(key, u);
    }
    return u;
  }

  /** Closes the pools of endpoints not in `keep`. */
  retain(keep: Set<string>): void {
    for (const [key, u] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      u.close();
    }
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((u) => u.destroy()));
  }
}
