import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { VersionCounter } from '../counters.js';
import { BodyTracker, parseHead, type Head, type ParseError } from './http1.js';
import { forwardRequestHead, relayResponseHead } from './rewrite.js';
import type { SocketPool, UpstreamConn, UpstreamUser } from './upstream-sockets.js';

/** What the engine needs from the route table for one request. */
export interface RawBackend {
  counter: VersionCounter;
  pickPool(): SocketPool;
}

/** What an exchange needs of the client connection it serves (engine.ts's ClientConn). */
export interface ExchangeClient {
  readonly sock: Socket;
  /** The client address then CRLF CRLF: the end of every forwarded request head (X-Forwarded-For). */
  readonly clientTail: Buffer;
  closed: boolean;
  ex: Exchange | null;
  /** Answers with a short plain-text response of the proxy's own. */
  reply(status: number, text: string, close: boolean): void;
  /** The exchange is over; continue with the next request or close. */
  finished(keepAlive: boolean): void;
}

/**
 * One request and its response: the request head and body forwarded to an upstream connection from the
 * backend's pool, the response relayed back byte for byte, the outcome counted for the version. Apart from the
 * client connection (engine.ts) because it has its own lifecycle: it may retry once on a fresh upstream
 * connection, fail with the proxy's own 502/504, or end early when the client goes away.
 */
export class Exchange implements UpstreamUser {
  readonly reqBody: BodyTracker;
  private readonly start = performance.now();
  private readonly pool: SocketPool;
  private upc!: UpstreamConn;
  private up!: Socket;
  private retried = false;
  private requestHead: Buffer;
  private sentBody = false;
  private rbuf: Buffer | null = null;
  private resBody: BodyTracker | null = null;
  private status = 0;
  private done = false;
  private readonly keepAlive: boolean;
  private readonly isHead: boolean;
  private upReusable = false;
  private closeClient = false;

  constructor(
    private readonly conn: ExchangeClient,
    private readonly head: Head,
    private readonly backend: RawBackend,
  ) {
    this.isHead = head.isHeadMethod;
    this.keepAlive = head.minor === 1 && !head.connClose;
    this.reqBody = new BodyTracker(head.length === -2 ? 0 : head.length);
    this.requestHead = forwardRequestHead(head, conn.clientTail);
    if (head.expectContinue && !this.reqBody.done) conn.sock.write('HTTP/1.1 100 Continue\r\n\r\n');
    this.pool = backend.pickPool();
    this.open();
  }

  private open(): void {
    this.upc = this.pool.acquire(this);
    this.up = this.upc.socket;
    this.up.write(this.requestHead);
  }

  sendBody(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.sentBody = true;
    if (!this.up.write(chunk)) {
      this.conn.sock.pause();
      this.up.once('drain', () => this.conn.sock.resume());
    }
  }

  /**
   * `responseMs` without traffic on the upstream socket. While the client is still sending the body the
   * upstream may rightly wait for it: only once the request is sent does its silence count (headers, then
   * between chunks). The timer re-arms on the next write.
   */
  upTimeout(): void {
    if (this.up.connecting || this.reqBody.done) this.fail(504, 'upstream timed out');
  }

  upData(d: Buffer): void {
    if (this.done) return;
    if (!this.resBody) {
      this.rbuf = this.rbuf ? Buffer.concat([this.rbuf, d]) : d;
      let head: Head | null;
      for (;;) {
        try {
          head = parseHead(this.rbuf, 'response');
        } catch {
          return this.fail(502, 'malformed upstream response');
        }
        if (!head) return;
        const status = head.status;
        if (status >= 200) break;
        if (status === 101) return this.fail(502, 'upstream switched protocols');
        this.rbuf = this.rbuf.subarray(head.size); // 1xx: informational, not relayed
      }
      this.status = head.status;
      const noBody = this.isHead || this.status === 204 || this.status === 304;
      this.resBody = noBody
        ? new BodyTracker(0)
        : head.length === -2
          ? new BodyTracker(0, true)
          : new BodyTracker(head.length);
      const closeClient = !this.keepAlive || this.resBody.untilClose || !this.reqBody.done;
      this.upReusable = !head.connClose && head.minor === 1;
      this.closeClient = closeClient;
      const body = this.rbuf.subarray(head.size);
      this.rbuf = null;
      const n = this.takeResponse(body);
      if (n < 0) return;
      this.write(relayResponseHead(head, closeClient, body, n));
      if (n < body.length) this.upReusable = false;
    } else {
      const n = this.takeResponse(d);
      if (n < 0) return;
      this.write(n === d.length ? d : d.subarray(0, n));
      if (n < d.length) this.upReusable = false;
    }
    if (this.resBody.done) this.finish();
  }

  /** Bytes of `d` that belong to the response body, or -1 when it is malformed (the exchange has failed). */
  private takeResponse(d: Buffer): number {
    try {
      return this.resBody!.take(d);
    } catch {
      this.fail(502, 'malformed upstream response body');
      return -1;
    }
  }

  /** The client's request body is malformed: answer its status and close, dropping the upstream connection. */
  bodyError(err: ParseError): void {
    this.fail(err.status, err.message);
  }

  private write(b: Buffer): void {
    if (b.length === 0) return;
    if (!this.conn.sock.write(b)) {
      this.up.pause();
      this.conn.sock.once('drain', () => this.up.resume());
    }
  }

  upEnd(err?: unknown): void {
    if (this.done) return;
    if (this.resBody?.untilClose && (err === undefined || err === false)) return this.finish();
    // A kept-alive connection the upstream closed just as we reused it: try once more on a fresh one.
    if (this.upc.reused && !this.retried && !this.rbuf && !this.resBody && !this.sentBody && this.reqBody.done) {
      this.retried = true;
      this.detach(true);
      return this.open();
    }
    const code = (err as { code?: string } | undefined)?.code;
    this.fail(code === 'ETIMEDOUT' ? 504 : 502, `upstream failed (${code ?? 'connection closed'})`);
  }

  private finish(): void {
    this.done = true;
    this.backend.counter.record(this.status, performance.now() - this.start);
    const reusable = this.upReusable && !this.resBody!.untilClose && this.reqBody.done;
    this.detach(!reusable);
    if (reusable) this.pool.release(this.upc);
    this.conn.finished(!this.closeClient);
  }

  private fail(status: number, message: string): void {
    if (this.done) return;
    this.done = true;
    this.backend.counter.record(status, performance.now() - this.start);
    this.detach(true);
    if (this.resBody) {
      this.conn.closed = true;
      this.conn.sock.destroy(); // headers already went out: cut the response so the client sees it is incomplete
      this.conn.ex = null;
      return;
    }
    this.conn.ex = null;
    this.conn.reply(status, `chimera proxy: ${message}\n`, !this.reqBody.done || !this.keepAlive);
  }

  /** The client went away: drop the upstream connection (its response would have nowhere to go). */
  clientGone(): void {
    if (this.done) return;
    this.done = true;
    this.backend.counter.record(0, performance.now() - this.start);
    this.detach(true);
  }

  /** Lets go of the upstream connection: destroyed, or left for the caller to release to its pool. */
  private detach(destroy: boolean): void {
    const c = this.upc;
    c.user = null;
    c.socket.resume(); // it may be paused for back-pressure
    if (destroy) c.socket.destroy();
  }
}
