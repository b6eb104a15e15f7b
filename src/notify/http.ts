import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError, ProviderError, errorMessage } from '../errors.js';

/**
 * The one way Chimera calls out over HTTP (notifications, gates): validated URLs, a timeout per attempt,
 * bounded bodies both ways, retries with exponential backoff, and an optional HMAC-SHA256 signature. Redirects
 * are never followed: a validated URL must not turn into an unvalidated one.
 */

export interface OutgoingOptions {
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts after the first (default 3). */
  retries?: number;
  /** First backoff delay; doubles each time up to 10 s (default 250 ms). */
  backoffMs?: number;
  /** Signs the body: `X-Chimera-Timestamp` and `X-Chimera-Signature: sha256=<hex>` over `<timestamp>.<body>`. */
  secret?: string;
  /** Allow plain http to loopback hosts (tests, a local receiver); default from `CHIMERA_ALLOW_LOOPBACK_URLS=1`. */
  allowLoopback?: boolean;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Largest request body sent (default 256 KiB) and response body read (default 64 KiB). */
  maxRequestBytes?: number;
  maxResponseBytes?: number;
  /** Clock for the signature timestamp (tests). */
  now?: () => number;
}

export interface OutgoingResult {
  status: number;
  body: string;
  attempts: number;
}

export const SIGNATURE_HEADER = 'x-chimera-signature';
export const TIMESTAMP_HEADER = 'x-chimera-timestamp';
export const DELIVERY_HEADER = 'x-chimera-delivery';

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

export function loopbackAllowedByEnv(): boolean {
  return process.env.CHIMERA_ALLOW_LOOPBACK_URLS === '1';
}

/** https anywhere, or http to a loopback host when allowed. Throws a ConfigError naming the problem. */
export function validateOutgoingUrl(raw: string, allowLoopback = loopbackAllowedByEnv()): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`outgoing URL is not a URL`);
  }
  // Never echo the URL: incoming-webhook URLs carry their secret in the path.
  const where = `${url.protocol}//${url.hostname}`;
  if (url.username || url.password) throw new ConfigError(`outgoing URL ${where} must not carry credentials`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) {
    if (allowLoopback) return url;
    throw new ConfigError(`outgoing URL ${where} is plain http; loopback http is allowed only for tests`);
  }
  throw new ConfigError(`outgoing URL ${where} must use https`);
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`). */
export function signBody(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** Compares two signatures in constant time (different lengths are unequal without a timing hint on content). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** Sends `body` (JSON) and retries network errors, timeouts, 429 and 5xx; a 4xx other than 429 is final. */
export async function sendJson(
  rawUrl: string,
  payload: unknown,
  opts: OutgoingOptions,
  signal: AbortSignal,
): Promise<OutgoingResult> {
  const url = validateOutgoingUrl(rawUrl, opts.allowLoopback);
  const method = opts.method ?? 'POST';
  const body = method === 'GET' ? undefined : JSON.stringify(payload);
  const maxReq = opts.maxRequestBytes ?? 256 * 1024;
  if (body !== undefined && Buffer.byteLength(body) > maxReq) {
    throw new ConfigError(`outgoing body of ${Buffer.byteLength(body)} bytes is over the ${maxReq}-byte limit`);
  }
  const retries = opts.retries ?? 3;
  let delay = opts.backoffMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    let last: string;
    signal.throwIfAborted();
    const headers: Record<string, string> = { 'user-agent': 'chimera', ...opts.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.secret !== undefined && body !== undefined) {
      const ts = String(Math.floor((opts.now ?? Date.now)() / 1000));
      headers[TIMESTAMP_HEADER] = ts;
      headers[SIGNATURE_HEADER] = signBody(opts.secret, ts, body);
    }
    let retriable = true;
    try {
      const res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs ?? 10_000)]),
      });
      const text = await readLimited(res, opts.maxResponseBytes ?? 64 * 1024);
      if (res.status >= 200 && res.status < 300) return { status: res.status, body: text, attempts: attempt };
      last = `HTTP ${res.status}`;
      retriable = res.status === 429 || res.status >= 500;
    } catch (err) {
      if (signal.aborted) throw err;
      last = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : causeOf(err);
    }
    if (!retriable || attempt > retries) {
      throw new ProviderError(
        `${method} ${url.protocol}//${url.host} failed after ${attempt} attempt(s): ${last}`,
        'http',
        retriable,
      );
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 10_000);
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Uint8Array).length;
    if (size > max) {
      // The status is what counts; a huge answer is cut, not buffered.
      await res.body.cancel().catch(() => undefined);
      break;
    }
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return errorMessage(cause ?? err).split('\n')[0] ?? 'network error';
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads a secret from the environment; a missing variable is a ConfigError naming it (never its value). */
export function secretFromEnv(name: string | undefined, what: string): string | undefined {
  if (name === undefined) return undefined;
  const v = process.env[name];
  if (v === undefined || v === '') throw new ConfigError(`${what}: environment variable ${name} is not set`);
  return v;
}
