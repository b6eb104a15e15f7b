import { request, type RequestOptions } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { ProviderError, errorMessage } from '../errors.js';
import type { KubeConnection } from './kubeconfig.js';

/** A failed Kubernetes API call. `status` is the HTTP status (0 when the server could not be reached). */
export class KubeApiError extends ProviderError {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    // 409 (write conflict), 429 and 5xx can succeed on a later try; 4xx otherwise is our request or RBAC.
    super(message, 'kubernetes', status === 0 || status === 409 || status === 429 || status >= 500, options);
  }
}

export type PatchType = 'merge' | 'json' | 'strategic';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
  };
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A small JSON client over the Kubernetes REST API (server and credentials from `kubeconfig.ts`). Requests go through
 * node:https so that every call honours an AbortSignal and a timeout, and patches and status subresources are
 * explicit. Paths come from `paths.ts`.
 */
export class KubeClient {
  constructor(readonly connection: KubeConnection) {}

  /** GET; `undefined` when the object does not exist. */
  async get<T extends KubeObject>(path: string, signal: AbortSignal): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path, { signal });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  list<T extends KubeObject>(path: string, signal: AbortSignal, labelSelector?: string): Promise<{ items: T[] }> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    return this.request<{ items: T[] }>('GET', path + query, { signal });
  }

  create<T extends KubeObject>(collectionPath: string, body: T, signal: AbortSignal): Promise<T> {
    return this.request<T>('POST', collectionPath, { body, signal });
  }

  /** PUT with the body's resourceVersion: fails with status 409 when someone else wrote first. */
  replace<T extends KubeObject>(path: string, body: T, signal: AbortSignal): Promise<T> {
    return this.request<T>('PUT', path, { body, signal });
  }

  patch<T extends KubeObject>(path: string, patch: unknown, type: PatchType, signal: AbortSignal): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: PATCH_CONTENT_TYPES[type], signal });
  }

  /** DELETE; no error when it is already gone. */
  async delete(path: string, signal: AbortSignal): Promise<void> {
    try {
      await this.request('DELETE', path, { body: { propagationPolicy: 'Background' }, signal });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return;
      throw err;
    }
  }

  /**
   * Read-modify-write with optimistic concurrency: `mutate` gets the current object (it may change it in place or
   * return a new one; returning `undefined` means nothing to do) and the write is retried on 409 conflicts.
   */
  async update<T extends KubeObject>(
    path: string,
    mutate: (current: T) => T | undefined,
    signal: AbortSignal,
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get<T>(path, signal);
      if (!current) return undefined;
      const next = mutate(structuredClone(current));
      if (!next) return current;
      try {
        return await this.replace(path, next, signal);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409 && attempt < 10) continue;
        throw err;
      }
    }
  }

  /** Low-level request; parses the JSON answer and maps failures to KubeApiError. */
  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; signal: AbortSignal; timeoutMs?: number },
  ): Promise<T> {
    const { res, text } = await this.send(method, path, options);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : {}) as T;
    let message = text.slice(0, 300);
    let reason: string | undefined;
    try {
      const parsed = JSON.parse(text) as { message?: string; reason?: string };
      message = parsed.message ?? message;
      reason = parsed.reason;
    } catch {
      // not a Status object; keep the raw text
    }
    throw new KubeApiError(`${method} ${path}: ${status} ${message}`, status, reason);
  }

  /**
   * Streams a watch (`?watch=true`) and calls `onEvent` for each event until the server ends the stream or
   * `signal` aborts. Resolves when the stream ends; the caller re-lists and re-watches (resourceVersions expire).
   */
  async watch<T>(path: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const sep = path.includes('?') ? '&' : '?';
    const res = await this.open('GET', `${path}${sep}watch=true&allowWatchBookmarks=true`, { signal });
    if ((res.statusCode ?? 0) >= 300) {
      res.resume();
      throw new KubeApiError(`watch ${path}: ${res.statusCode}`, res.statusCode ?? 0, undefined);
    }
    let buffer = '';
    res.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
      });
      res.on('end', resolve);
      res.on('close', resolve);
      res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
    });
  }

  private async send(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; signal: AbortSignal; timeoutMs?: number },
  ): Promise<{ res: IncomingMessage; text: string }> {
    const res = await this.open(method, path, options);
    res.setEncoding('utf8');
    let text = '';
    for await (const chunk of res) text += chunk as string;
    return { res, text };
  }

  private async open(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; signal: AbortSignal; timeoutMs?: number },
  ): Promise<IncomingMessage> {
    const conn = this.connection;
    const server = conn.server;
    const headers: Record<string, string> = { accept: 'application/json' };
    const authorization = conn.authorization?.();
    if (authorization) headers.authorization = authorization;
    const opts: RequestOptions = {
      method,
      host: server.hostname.replace(/^\[|\]$/g, ''),
      port: server.port || (server.protocol === 'https:' ? 443 : 80),
      path: server.pathname.replace(/\/$/, '') + path,
      headers,
      signal: options.signal,
      rejectUnauthorized: conn.insecureSkipTlsVerify !== true,
      agent: false,
    };
    if (conn.ca) opts.ca = conn.ca;
    if (conn.cert && conn.key) Object.assign(opts, { cert: conn.cert, key: conn.key });
    const data = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (data !== undefined) {
      opts.headers = { ...opts.headers, 'content-type': options.contentType ?? 'application/json' };
    }
    const send = server.protocol === 'https:' ? request : httpRequest;
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const req = send(opts, resolve);
      // Watches run long: the timeout only bounds the wait for response headers.
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeout}ms`)), timeout);
      req.on('response', () => clearTimeout(timer));
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(
          options.signal.aborted
            ? new Error('aborted', { cause: options.signal.reason })
            : new KubeApiError(`${method} ${path}: ${errorMessage(err)}`, 0, undefined, { cause: err }),
        );
      });
      req.end(data);
    });
  }
}
