import { ConfigError } from '../../errors.js';
import type { Endpoint, VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import { baseUrl, parseHostPort } from '../../proxy/address.js';
import type { RouteState, RouteUpdate } from '../../proxy/routes.js';
import type { ProviderContext } from '../context.js';
import { AdminClient, ProxyUnreachableError } from './admin-client.js';
import type { BuiltinProxyRouterConfig } from './config.js';
import { ensureProxy } from './launcher.js';
import { proxyPaths } from './paths.js';
import { tokenSource } from './token-source.js';

/**
 * The built-in proxy as a TrafficRouter. Every call first makes sure the proxy process runs (adopting it, or
 * starting it detached); a call that finds it gone starts it once more and retries, and the restarted proxy
 * reloads its persisted routes. `close()` never stops the proxy: the data plane outlives the control plane.
 */
export class BuiltinProxyRouter implements TrafficRouter {
  readonly kind = 'builtin-proxy';
  private readonly client: AdminClient;
  private ensured: Promise<void> | undefined;

  constructor(
    private readonly config: BuiltinProxyRouterConfig,
    private readonly ctx: ProviderContext,
  ) {
    if (parseHostPort(config.admin, 'router.admin').port === 0) {
      throw new ConfigError(
        'router.admin: the proxy admin address needs a fixed port (not 0) so it can be found again',
      );
    }
    const paths = proxyPaths(ctx.dataDir, ctx.service);
    this.client = new AdminClient(config.admin, tokenSource(config.tokenEnv, paths.token, true));
  }

  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    await this.update(
      {
        stable: backendOf(backends.stable, 'stable'),
        canary: backends.canary ? backendOf(backends.canary, 'canary') : null,
      },
      signal,
    );
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    if (typeof canaryWeight !== 'number' || !Number.isFinite(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
      throw new ConfigError(`canary weight must be a number from 0 to 100, got ${String(canaryWeight)}`);
    }
    await this.update({ canaryWeight }, signal);
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const s = await this.withProxy((sig) => this.client.get<RouteState>('/admin/routes', sig), signal);
    return { canaryWeight: s.canaryWeight, stableVersion: s.stable?.version, canaryVersion: s.canary?.version };
  }

  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    await this.update({ stable: backendOf(stable, 'stable'), canary: null, canaryWeight: 0 }, signal);
  }

  /** Where users reach the service: the proxy's listen address (a wildcard bind is reached on loopback). */
  entryUrl(): string | undefined {
    const ep = parseHostPort(this.config.listen, 'router.listen');
    // Port 0 is picked by the proxy at start-up: no fixed address to give.
    return ep.port === 0 ? undefined : baseUrl(this.config.listen, 'router.listen');
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async update(body: RouteUpdate, signal: AbortSignal): Promise<void> {
    await this.withProxy((sig) => this.client.put<RouteState>('/admin/routes', body, sig), signal);
  }

  private async withProxy<T>(call: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    signal.throwIfAborted();
    await this.ensure(signal);
    try {
      return await call(signal);
    } catch (err) {
      if (!(err instanceof ProxyUnreachableError)) throw err;
      this.ensured = undefined; // the proxy went away: start it again, it reloads its routes
      await this.ensure(signal);
      return call(signal);
    }
  }

  private ensure(signal: AbortSignal): Promise<void> {
    this.ensured ??= ensureProxy(
      {
        service: this.ctx.service,
        listen: this.config.listen,
        admin: this.config.admin,
        paths: proxyPaths(this.ctx.dataDir, this.ctx.service),
        tokenEnv: this.config.tokenEnv,
        log: this.ctx.log,
      },
      this.client,
      signal,
    ).catch((err: unknown) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }
}

function backendOf(status: VersionStatus, role: string): { version: string; endpoints: Endpoint[] } {
  if (status.endpoints.length === 0) {
    throw new ConfigError(`the ${role} version ${status.version} has no endpoints the proxy could send traffic to`);
  }
  return { version: status.version, endpoints: status.endpoints.map((e) => ({ host: e.host, port: e.port })) };
}
