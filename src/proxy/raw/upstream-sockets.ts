import { connect, type Socket } from 'node:net';
import type { Endpoint } from '../../ports/platform.js';

const IDLE_MS = 4_000; // below Node's default 5 s keep-alive timeout, so upstreams rarely close under us

/**
 * Keep-alive sockets to one upstream endpoint for the raw engine: a stack of idle sockets (most recently used
 * first, so a few stay warm) and new connections when none is idle.
 */
export class SocketPool {
  private readonly idle: Socket[] = [];
  private closed = false;

  constructor(
    readonly endpoint: Endpoint,
    private readonly connectMs: number,
  ) {}

  /** An idle socket (`reused`) or a new connection (not yet connected; writes queue until it is). */
  acquire(): { socket: Socket; reused: boolean } {
    while (this.idle.length > 0) {
      const s = this.idle.pop()!;
      if (!s.destroyed && s.writable) {
        s.setTimeout(0);
        s.removeAllListeners('close');
        s.removeAllListeners('error');
        s.removeAllListeners('timeout');
        return { socket: s, reused: true };
      }
    }
    const socket = connect({ host: this.endpoint.host, port: this.endpoint.port, noDelay: true });
    const onConnectTimeout = (): void => {
      socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    };
    socket.setTimeout(this.connectMs);
    socket.once('timeout', onConnectTimeout);
    socket.once('connect', () => {
      socket.off('timeout', onConnectTimeout);
      socket.setTimeout(0);
    });
    return { socket, reused: false };
  }

  release(s: Socket): void {
    if (this.closed || s.destroyed) return void s.destroy();
    const drop = (): void => {
      const i = this.idle.indexOf(s);
      if (i >= 0) this.idle.splice(i, 1);
      s.destroy();
    };
    s.once('close', drop);
    s.once('error', drop);
    s.once('timeout', drop);
    s.setTimeout(IDLE_MS);
    this.idle.push(s);
  }

  close(): void {
    this.closed = true;
    for (const s of this.idle.splice(0)) s.destroy();
  }
}
