import http from 'node:http';
import type { Platform, Role, VersionStatus, VersionTarget } from '../ports/platform.js';

interface FakeVersion {
  role: Role;
  servers: http.Server[];
  ports: number[];
}

/**
 * What runs "on" the fake platform: real in-process HTTP servers on loopback ports, answering like the sample
 * service (`{"version": ...}`), so routers and proxies can be tested against a fake platform with real traffic.
 * Several FakePlatform objects on one world behave like a controller restarting over the same machine.
 */
export class FakePlatformWorld {
  readonly versions = new Map<string, FakeVersion>();
  /** Versions that can never start, with the message `status` reports. */
  readonly failing = new Map<string, string>();
  /** Versions whose instances run but never pass readiness. */
  readonly unready = new Set<string>();

  /** Stops every server (the end of a test; a FakePlatform's `close` never does this). */
  async shutdown(): Promise<void> {
    const all = [...this.versions.values()].flatMap((v) => v.servers);
    this.versions.clear();
    await Promise.all(all.map(stopServer));
  }
}

/** Every call the fake received, in order, for tests that check what a controller did. */
export interface FakePlatformCall {
  method: 'deploy' | 'status' | 'promote' | 'remove' | 'list';
  service: string;
  version?: string;
}

/**
 * An in-memory Platform that passes the platform conformance suite.
 *
 * @example
 * const world = new FakePlatformWorld();
 * world.failing.set('v3', 'command not found: ./nope');
 * const platform = new FakePlatform(world, { replicas: 1 });
 */
export class FakePlatform implements Platform {
  readonly kind = 'fake';
  readonly calls: FakePlatformCall[] = [];

  constructor(
    readonly world: FakePlatformWorld = new FakePlatformWorld(),
    private readonly options: { replicas?: number } = {},
  ) {}

  async deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    signal.throwIfAborted();
    this.calls.push({ method: 'deploy', service: target.service, version: target.version });
    const key = keyOf(target.service, target.version);
    if (!this.world.failing.has(target.version)) {
      const v = this.world.versions.get(key) ?? { role: target.role, servers: [], ports: [] };
      this.world.versions.set(key, v);
      while (v.servers.length < this.desired(target)) {
        const server = await startServer(target.version, () => !this.world.unready.has(target.version));
        v.servers.push(server);
        v.ports.push((server.address() as { port: number }).port);
      }
    }
    return this.current(target);
  }

  status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    signal.throwIfAborted();
    this.calls.push({ method: 'status', service: target.service, version: target.version });
    return Promise.resolve(this.current(target));
  }

  promote(canary: VersionTarget, _stable: VersionTarget, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.calls.push({ method: 'promote', service: canary.service, version: canary.version });
    const v = this.world.versions.get(keyOf(canary.service, canary.version));
    if (v) v.role = 'stable';
    return Promise.resolve();
  }

  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.calls.push({ method: 'remove', service: target.service, version: target.version });
    const key = keyOf(target.service, target.version);
    const v = this.world.versions.get(key);
    this.world.versions.delete(key);
    await Promise.all((v?.servers ?? []).map(stopServer));
  }

  list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    signal.throwIfAborted();
    this.calls.push({ method: 'list', service });
    const found: VersionStatus[] = [];
    for (const [key, v] of this.world.versions) {
      const [s, version] = JSON.parse(key) as [string, string];
      if (s === service) found.push(this.current({ service, version, role: v.role, replicas: v.servers.length }));
    }
    return Promise.resolve(found);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private desired(target: VersionTarget): number {
    return target.replicas ?? this.options.replicas ?? 1;
  }

  private current(target: VersionTarget): VersionStatus {
    const base = { service: target.service, version: target.version, role: target.role, refs: {} };
    const desired = this.desired(target);
    const failure = this.world.failing.get(target.version);
    if (failure !== undefined) return { ...base, desired, ready: 0, endpoints: [], failed: true, message: failure };
    const v = this.world.versions.get(keyOf(target.service, target.version));
    if (!v) return { ...base, desired, ready: 0, endpoints: [], message: 'not deployed' };
    if (this.world.unready.has(target.version)) {
      return { ...base, desired, ready: 0, endpoints: [], message: '/healthz answered 503' };
    }
    const endpoints = v.ports.map((port) => ({ host: '127.0.0.1', port }));
    return { ...base, desired, ready: endpoints.length, endpoints };
  }
}

function keyOf(service: string, version: string): string {
  return JSON.stringify([service, version]);
}

function startServer(version: string, isReady: () => boolean): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const healthz = req.url === '/healthz';
    const ok = !healthz || isReady();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ version }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function stopServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
