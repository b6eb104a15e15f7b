import type { Socket } from 'node:net';
import { Exchange, type ExchangeClient, type RawBackend } from './exchange.js';
import { MAX_HEAD, ParseError, parseHead, type Head } from './http1.js';

export type { RawBackend } from './exchange.js';

export interface RawEngineOptions {
  choose(): RawBackend | null;
  responseMs: number;
}

const CLIENT_IDLE_MS = 65_000;
const NO_BACKENDS = 'chimera proxy: no backends configured yet (set them with PUT /admin/routes)\n';

/**
 * The raw-socket engine: HTTP/1.1 forwarded between client and upstream sockets with bodies passed through
 * byte for byte. One request at a time per client connection (pipelined requests wait their turn). Several times
 * cheaper per request than Node's HTTP server plus an HTTP client (see docs/performance.md). This file is the
 * client side (reading requests, pipelining, the proxy's own replies); each request's trip to an upstream and
 * back is an `Exchange` (exchange.ts).
 */
export function handleConnection(sock: Socket, opts: RawEngineOptions): RawConnection {
  return new ClientConn(sock, opts);
}

/** A client connection of the raw engine, as the server sees it for shutting down. */
export interface RawConnection {
  /** Ends the connection now when idle, else after the request in flight. */
  shutdown(): void;
}

class ClientConn implements RawConnection, ExchangeClient {
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
