import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { VersionCounter } from '../counters.js';
import { BodyTracker, MAX_HEAD, ParseError, parseHead, type Head } from './http1.js';
import { forwardRequestHead, relayResponseHead } from './rewrite.js';
import type { SocketPool, UpstreamConn, UpstreamUser } from './upstream-sockets.js';

/** What the engine needs from the route table for one request. */
export interface RawBackend {
  counter: VersionCounter;
  pickPool(): SocketPool;
}

export interface RawEngineOptions {
  choose(): RawBackend | null;
  responseMs: number;
}

const CLIENT_IDLE_MS = 65_000;
const NO_BACKENDS = 'chimera proxy: no backends configured yet (set them with PUT /admin/routes)\n';

/**
 * The raw-socket engine: HTTP/1.1 forwarded between client and upstream sockets with bodies passed through
 * byte for byte. One request at a time per client connection (pipelined requests wait their turn). Several times
 * cheaper per request than Node's HTTP server plus an HTTP client (see docs/performance.md).
 */
export function handleConnection(sock: Socket, opts: RawEngineOptions): RawConnection {
  return new ClientConn(sock, opts);
}

/** A client connection of the raw engine, as the server sees it for shutting down. */
export interface RawConnection {
  /** Ends the connection now when idle, else after the request in flight. */
  shutdown(): void;
}

class ClientConn implements RawConnection {
  buf: Buffer | null = null;
  ex: Exchange | null = null;
  closed = false;
  /** The client address then CRLF CRLF: the end of every forwarded request head (X-Forwarded-For). */
  readonly clientTail: Buffer;
  private draining = false;

  shutdown(): void {
    this.draining = true;
    if (!this.ex && !this.closed) {
      this.closed = true;
      this.sock.end();
    }
  }

  constructor(
    readonly sock: Socket,
    readonly opts: RawEngineOptions,
  ) {
    this.clientTail = Buffer.from(`${sock.remoteAddress ?? 'unknown'}\r\n\r\n`, 'latin1');
    sock.setNoDelay(true);
    sock.setTimeout(CLIENT_IDLE_MS, () => sock.destroy());
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', () => this.onClose());
    sock.on('close', () => this.onClose());
  }

  private onData(d: Buffer): void {
    const ex = this.ex;
    if (ex && !ex.reqBody.done) {
      let n: number;
      try {
        n = ex.reqBody.take(d);
      } catch (err) {
        // A malformed chunked body: the upstream got part of it, so that connection goes too (see bodyError).
        return ex.bodyError(err instanceof ParseError ? err : new ParseError(400, 'bad request body'));
      }
      ex.sendBody(d.subarray(0, n));
      if (n === d.length) return;
      d = d.subarray(n);
    }
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    if (this.ex) {
      if (this.buf.length > MAX_HEAD) this.sock.pause(); // a pipelined request waits; bound what we hold
      return;
    }
    this.next();
  }

  /** Starts the next request in the buffer, if its head is complete. */
  next(): void {
    if (!this.buf || this.buf.length === 0 || this.closed) return;
    let head: Head | null;
    try {
      head = parseHead(this.buf, 'request');
    } catch (err) {
      const e = err instanceof ParseError ? err : new ParseError(400, 'bad request');
      return this.reply(e.status, `chimera proxy: ${e.message}\n`, true);
    }
    if (!head) return;
    const rest = this.buf.subarray(head.size);
    this.buf = null;
    const backend = this.opts.choose();
    if (!backend) {
      this.buf = rest;
      return this.reply(503, NO_BACKENDS, head.length !== -2 && head.length !== 0);
    }
    this.ex = new Exchange(this, head, backend);
    if (rest.length > 0) this.onData(rest);
  }

  /** Answers with a short plain-text response of the proxy's own. */
  reply(status: number, text: string, close: boolean): void {
    const body = Buffer.from(text);
    const head = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n${close ? 'connection: close\r\n' : ''}\r\n`;
    this.sock.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    if (close) {
      this.closed = true;
      this.sock.end();
    } else this.next();
  }

  /** The exchange is over; continue with the next request or close. */
  finished(keepAlive: boolean): void {
    this.ex = null;
    if (!keepAlive || this.closed || this.draining) {
      this.closed = true;
      this.sock.end();
      return;
    }
    this.sock.resume();
    this.next();
  }

  private onClose(): void {
    if (this.closed && !this.ex) return;
    this.closed = true;
    this.ex?.clientGone();
    this.sock.destroy();
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

class Exchange implements UpstreamUser {
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

  constructor(
    private readonly conn: ClientConn,
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

  private upReusable = false;
  private closeClient = false;

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
