import { createServer } from 'node:net';
import type Docker from 'dockerode';
import type { Endpoint } from '../../ports/platform.js';

/** Labels Chimera puts on every container and Swarm service it creates, to find and adopt them later. */
export const LABEL = {
  service: 'chimera.service',
  version: 'chimera.version',
  role: 'chimera.role',
  port: 'chimera.port',
  replica: 'chimera.replica',
} as const;

/** The engine's socket: the config's, else DOCKER_HOST's unix path, else the default. */
export function socketPathOf(configured?: string): string {
  if (configured) return configured;
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/** Connects lazily: dockerode (and its ssh2 dependency) load only when a Docker provider is used. */
export async function connectDocker(socketPath: string | undefined, timeoutMs: number): Promise<Docker> {
  const { default: Dockerode } = await import('dockerode');
  return new Dockerode({ socketPath: socketPathOf(socketPath), timeout: timeoutMs });
}

export function imageFor(template: string, version: string): string {
  return template.replaceAll('{{version}}', version);
}

/** Docker's HTTP status on an engine error (dockerode puts it on `statusCode`). */
export function statusCodeOf(err: unknown): number | undefined {
  return (err as { statusCode?: number } | null)?.statusCode;
}

/** The engine's message without dockerode's "(HTTP code 404) no such container -" prefix. */
export function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } } | null)?.json;
  if (json?.message) return json.message;
  return err instanceof Error ? err.message : String(err);
}

/** True when nothing listens on host:port (a quick bind; ports held by other programs are skipped). */
async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The lowest port of the range that no Chimera instance uses and nothing else listens on. */
export async function allocatePort(
  range: { from: number; to: number },
  host: string,
  taken: Set<number>,
): Promise<number> {
  for (let port = range.from; port <= range.to; port++) {
    if (!taken.has(port) && (await portFree(host, port))) return port;
  }
  throw new Error(`no free port left in ${range.from}–${range.to} on ${host}`);
}

/** Result of an HTTP health check: undefined when healthy, else why not. */
export async function httpCheck(endpoint: Endpoint, path: string, timeoutMs: number): Promise<string | undefined> {
  const url = `http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}${path}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 400 ? undefined : `GET ${url} answered ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const why =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs}ms`
        : (cause?.code ?? (err as Error).message);
    return `GET ${url}: ${why}`;
  }
}
