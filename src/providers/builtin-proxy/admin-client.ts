import { Pool } from 'undici';
import { ConfigError, ProviderError, errorMessage } from '../../errors.js';
import { baseUrl } from '../../proxy/address.js';
import type { ProxyIdentity } from '../../proxy/admin.js';

const PROVIDER = 'builtin-proxy';

/** What answers on an admin address. */
export type Probe =
  | { state: 'ours'; identity: ProxyIdentity }
  | { state: 'nothing'; reason: string }
  | { state: 'foreign'; reason: string };

/**
 * HTTP client for the proxy's admin API: one small keep-alive pool, a timeout on every call on top of the
 * caller's AbortSignal, and errors mapped to the catalogue (400 → ConfigError, unreachable → retriable
 * ProviderError, 401 → non-retriable ProviderError).
 */
export class AdminClient {
  private readonly pool: Pool;

  constructor(
    readonly address: string,
    private readonly token: () => Promise<string>,
    private readonly timeoutMs = 5_000,
  ) {
    this.pool = new Pool(baseUrl(address, 'admin'), {
      connections: 4,
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /** Who answers on the admin address, without a token. Never throws except for aborts. */
  async probe(signal: AbortSignal): Promise<Probe> {
    let status: number;
    let body: unknown;
    try {
      const res = await this.pool.request({ path: '/healthz', method: 'GET', signal: this.bound(signal) });
      status = res.statusCode;
      body = await res.body.json().catch(() => null);
    } catch (err) {
      signal.throwIfAborted();
      const code = (err as { code?: string }).code ?? '';
      if (code === 'ECONNREFUSED') return { state: 'nothing', reason: `nothing listens on ${this.address}` };
      return {
        state: 'foreign',
        reason: `${this.address} did not answer like a Chimera proxy (${code || errorMessage(err)})`,
      };
    }
    const identity = body as Partial<ProxyIdentity> | null;
    if (status === 200 && identity?.name === 'chimera-proxy')
      return { state: 'ours', identity: identity as ProxyIdentity };
    return {
      state: 'foreign',
      reason: `${this.address} is in use by something that is not a Chimera proxy (GET /healthz → ${status})`,
    };
  }

  get<T>(path: string, signal: AbortSignal): Promise<T> {
    return this.call<T>('GET', path, undefined, signal);
  }

  put<T>(path: string, body: unknown, signal: AbortSignal): Promise<T> {
    return this.call<T>('PUT', path, body, signal);
  }

  /** Idempotent: a controller may close a router twice on its way out. */
  async close(): Promise<void> {
    if (this.pool.closed || this.pool.destroyed) return;
    await this.pool.close();
  }

  private async call<T>(method: 'GET' | 'PUT', path: string, body: unknown, signal: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await this.pool.request({
        path,
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.bound(signal),
      });
    } catch (err) {
      signal.throwIfAborted();
      throw new ProxyUnreachableError(`proxy admin at ${this.address} is not reachable: ${describe(err)}`, err);
    }
    const text = await res.body.text();
    const parsed = parseJson(text);
    const message = (parsed as { error?: string } | null)?.error ?? text.slice(0, 200);
    if (res.statusCode === 200) return parsed as T;
    if (res.statusCode === 400) throw new ConfigError(message);
    if (res.statusCode === 401) {
      throw new ProviderError(`proxy admin at ${this.address} rejected the token: ${message}`, PROVIDER, false);
    }
    throw new ProviderError(
      `proxy admin at ${this.address}: ${method} ${path} → ${res.statusCode}: ${message}`,
      PROVIDER,
      res.statusCode >= 500,
    );
  }

  private bound(signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]);
  }
}

/** The admin address did not answer at all; the router may start the proxy again. */
export class ProxyUnreachableError extends ProviderError {
  constructor(message: string, cause: unknown) {
    super(message, PROVIDER, true, { cause });
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: string }).code;
  if ((err as { name?: string }).name === 'TimeoutError') return 'timed out';
  return code ? `${code}` : errorMessage(err);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
