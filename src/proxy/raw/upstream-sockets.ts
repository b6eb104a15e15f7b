import { connect, type Socket } from 'node:net';
import type { Endpoint } from '../../ports/platform.js';

const IDLE_MS = 4_000; // below Node's default 5 s keep-alive timeout, so upstreams rarely close under us

/** Timeouts of an upstream connection (see UpstreamTimeouts). */
export interface SocketTimeouts {
  connectMs: number;
  responseMs: number;
}

/** Whoever uses an upstream connection right now: the exchange it carries. */
export interface UpstreamUser {
  upData(d: Buffer): void;
  /** The socket failed (`err`) or closed. May be called twice (error, then close). */
  upEnd(err?: unknown): void;
  /** `responseMs` without any traffic on the socket (or the connect timeout while connecting). */
  upTimeout(): void;
}

/**
 * One keep-alive connection to an upstream. Its listeners are attached once and forward to the current `user`,
 * and its inactivity timer is set once to `responseMs` (Node re-arms it on every read and write): handing the
 * connection from one request to the next costs no listener or timer changes on the hot path.
 */
export class UpstreamConn {
  user: UpstreamUser | null = null;
  /** Whether the last acquire took it from the idle stack. */
  reused = false;
  idleSince = 0;
  /** The timer was changed for idling (see SocketPool.onIdleTimeout) and must be reset before reuse. */
  timerChanged = false;

  constructor(
    readonly socket: Socket,
    pool: SocketPool,
  ) {
    socket.on('data', (d: Buffer) => {
      if (this.user) this.user.upData(d);
      else socket.destroy(); // bytes nobody asked for: the connection's framing can no longer be trusted
    });
    socket.on('error', (err) => (this.user ? this.user.upEnd(err) : pool.drop(this)));
    socket.on('close', () => (this.user ? this.user.upEnd() : pool.drop(this)));
    socket.on('timeout', () => {
      if (socket.connecting) {
        socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
      }
      if (this.user) this.user.upTimeout();
      else pool.onIdleTimeout(this);
    });
  }
}

/**
 * Keep-alive sockets to one upstream endpoint for the raw engine: a stack of idle connections (most recently used
 * first, so a few stay warm) and new connections when none is idle. Idle connections older than IDLE_MS are
 * closed when their timer fires or, at the latest, when the stack reaches them.
 */
export class SocketPool {
  private readonly idle: UpstreamConn[] = [];
  private closed = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly timeouts: SocketTimeouts,
  ) {}

  /** An idle connection (`reused`) or a new one (not yet connected; writes queue until it is), now `user`'s. */
  acquire(user: UpstreamUser): UpstreamConn {
    const now = Date.now();
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (c.socket.destroyed || !c.socket.writable || now - c.idleSince >= IDLE_MS) {
        c.socket.destroy();
        continue;
      }
      if (c.timerChanged) {
        c.timerChanged = false;
        c.socket.setTimeout(this.timeouts.responseMs);
      }
      c.user = user;
      c.reused = true;
      return c;
    }
    const socket = connect({ host: this.endpoint.host, port: this.endpoint.port, noDelay: true });
    socket.setTimeout(this.timeouts.connectMs);
    socket.once('connect', () => socket.setTimeout(this.timeouts.responseMs));
    const c = new UpstreamConn(socket, this);
    c.user = user;
    return c;
  }

  /** Back to the idle stack, its user done with it. */
  release(c: UpstreamConn): void {
    c.user = null;
    if (this.closed || c.socket.destroyed) return void c.socket.destroy();
    c.idleSince = Date.now();
    this.idle.push(c);
  }

  /** An idle connection closed or failed: forget it. */
  drop(c: UpstreamConn): void {
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    c.socket.destroy();
  }

  /** An idle connection was quiet for `responseMs`: close it when idle long enough, else wait out the rest. */
  onIdleTimeout(c: UpstreamConn): void {
    const left = IDLE_MS - (Date.now() - c.idleSince);
    if (left <= 0) return this.drop(c);
    c.timerChanged = true;
    c.socket.setTimeout(left);
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.socket.destroy();
  }
}
