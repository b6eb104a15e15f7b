import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { VersionCounter } from './counters.js';
import type { SocketPool } from './raw/upstream-sockets.js';
import type { Upstream } from './upstreams.js';

/**
 * The request hot path: one upstream request per downstream request through a keep-alive undici Pool, bodies
 * streamed both ways with back-pressure. It uses undici's raw-header handler callbacks (onHeaders/onData) because
 * they hand over the upstream's header buffers as they are; the newer controller API parses them into an object
 * we would only flatten again — measurable on a proxy (see docs/performance.md).
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus `expect`, which the proxy answers itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** A version in one role with its endpoints; requests go round-robin across the endpoints. */
export class LiveBackend {
  private next = 0;
  constructor(
    readonly version: string,
    readonly upstreams: Upstream[],
    readonly counter: VersionCounter,
  ) {}

  pick(): Upstream {
    const u = this.upstreams[this.next]!;
    this.next = this.next + 1 === this.upstreams.length ? 0 : this.next + 1;
    return u;
  }

  /** Raw engine: the next endpoint's socket pool. */
  pickPool(): SocketPool {
    return this.pick().sockets;
  }
}

/** Request headers for the upstream: hop-by-hop ones dropped, X-Forwarded-* added. Flat [name, value, ...]. */
export function upstreamHeaders(req: IncomingMessage): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  const connection = req.headers.connection;
  const listed =
    connection && connection !== 'keep-alive' && connection !== 'close' ? connectionTokens(connection) : null;
  let xff: string | undefined;
  let sawProto = false;
  let sawHost = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.includes(lower)) continue;
    if (lower === 'x-forwarded-for') {
      xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (lower === 'x-forwarded-proto') sawProto = true;
    else if (lower === 'x-forwarded-host') sawHost = true;
    out.push(name, raw[i + 1]!);
  }
  const client = req.socket.remoteAddress ?? 'unknown';
  out.push('x-forwarded-for', xff ? `${xff}, ${client}` : client);
  if (!sawProto) out.push('x-forwarded-proto', 'http');
  if (!sawHost && req.headers.host) out.push('x-forwarded-host', req.headers.host);
  return out;
}

/** Header names a Connection header lists (besides keep-alive/close): hop-by-hop too. */
function connectionTokens(value: string): string[] | null {
  if (value.length <= 10 && /^(keep-alive|close)$/i.test(value)) return null; // the usual case, checked cheaply
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'keep-alive' && s !== 'close');
  return names.length > 0 ? names : null;
}

function dropListed(headers: string[], names: string[]): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (names.includes(headers[i]!.toLowerCase())) headers.splice(i, 2);
  }
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Forwards one request; counts it against `backend` when the response (or the failure) is complete. */
export function forward(req: IncomingMessage, res: ServerResponse, backend: LiveBackend): void {
  const upstream = backend.pick();
  const handler = new ForwardHandler(res, backend.counter);
  res.once('close', handler.onClientClose);
  upstream.pool.dispatch(
    {
      origin: upstream.origin,
      path: req.url ?? '/',
      method: req.method as Dispatcher.HttpMethod,
      headers: upstreamHeaders(req),
      body: hasBody(req) ? req : null,
    },
    handler,
  );
}

class ForwardHandler implements Dispatcher.DispatchHandler {
  private readonly start = performance.now();
  private abortUpstream: ((err?: Error) => void) | null = null;
  private resumeUpstream: (() => void) | null = null;
  private status = 0;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly counter: VersionCounter,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.done) abort(new Error('client went away'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational responses are not relayed
    this.status = statusCode;
    this.resumeUpstream = resume;
    const headers: string[] = [];
    let listed: string[] | null = null;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1');
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') listed = connectionTokens(rawHeaders[i + 1]!.toString('latin1'));
        continue;
      }
      headers.push(name, rawHeaders[i + 1]!.toString('latin1'));
    }
    if (listed) dropListed(headers, listed);
    this.res.writeHead(statusCode, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    this.res.end();
    this.finish(this.status);
  }

  onError(err: Error): void {
    if (this.done) return; // the client left first; already counted
    const code = (err as { code?: string }).code ?? '';
    const status = code.startsWith('UND_ERR_') && code.endsWith('TIMEOUT') ? 504 : 502;
    if (!this.res.headersSent) {
      const body = `chimera proxy: upstream ${status === 504 ? 'timed out' : 'failed'} (${code || err.message})\n`;
      this.res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
      this.res.end(body);
    } else {
      // Headers already went out: all we can do is cut the response so the client sees it is incomplete.
      this.res.destroy(err);
    }
    this.finish(status);
  }

  readonly onDrain = (): void => {
    this.resumeUpstream?.();
  };

  /** The downstream connection closed; before completion that means the client went away. */
  readonly onClientClose = (): void => {
    if (this.done) return;
    this.finish(0);
    this.abortUpstream?.(new Error('client went away'));
  };

  private finish(status: number): void {
    if (this.done) return;
    this.done = true;
    this.counter.record(status, performance.now() - this.start);
  }
}
