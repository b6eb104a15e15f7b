import {
  ConfigError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  UnauthorizedError,
  errorMessage,
  type CanaryError,
  type ConfigIssue,
} from '../../errors.js';

export interface RemoteOptions {
  server?: string;
  token?: string;
}

/**
 * The CLI's HTTP client for a Chimera server. Error responses become the same error classes the local mode throws,
 * so the CLI's single catch prints them and picks exit codes the same way.
 */
export class RemoteClient {
  readonly base: string;

  constructor(
    server: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new ConfigError(`--server must be a URL like http://127.0.0.1:7070, got '${server}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`--server must be an http:// or https:// URL, got '${server}'`);
    }
    this.base = url.origin;
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ProviderError(`cannot reach the Chimera server at ${this.base}: ${errorMessage(err)}`, 'server', true);
    }
    const text = await res.text();
    if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
    throw errorFromResponse(res.status, text);
  }
}

function errorFromResponse(status: number, text: string): CanaryError {
  let code = '';
  let message = `server answered HTTP ${status}`;
  let issues: ConfigIssue[] = [];
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; issues?: ConfigIssue[] } };
    code = body.error?.code ?? '';
    message = body.error?.message ?? message;
    issues = body.error?.issues ?? [];
  } catch {
    // Not our JSON (a proxy in between, say): keep the status line.
  }
  if (status === 401) return new UnauthorizedError(`${message} (check --token or CHIMERA_TOKEN)`);
  if (status === 403) return new ForbiddenError(message);
  if (status === 404) return new NotFoundError(message);
  if (status === 409) return new ConflictError(message);
  if (code === 'CONFIG_INVALID' || status === 400 || status === 413) return new ConfigError(message, issues);
  return new ProviderError(`server: ${message}`, 'server', status >= 500);
}

/** The server to act on, from `--server`/`--token` or CHIMERA_SERVER/CHIMERA_TOKEN; undefined means local mode. */
export function remoteFrom(opts: RemoteOptions): RemoteClient | undefined {
  const server = opts.server ?? process.env.CHIMERA_SERVER;
  if (!server) return undefined;
  const token = opts.token ?? process.env.CHIMERA_TOKEN;
  if (!token) throw new ConfigError(`acting on ${server} needs a token: pass --token or set CHIMERA_TOKEN`);
  return new RemoteClient(server, token);
}
