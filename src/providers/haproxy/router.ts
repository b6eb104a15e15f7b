import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ProviderError } from '../../errors.js';
import type { VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { HaproxyRouterConfig } from './config.js';
import { parseRuntimeAddress, RuntimeApi } from './runtime-api.js';

/** Which version each server slot holds: HAProxy has no place for such labels, so we keep them in the data dir. */
interface SlotState {
  stableVersion?: string;
  canaryVersion?: string;
}

/**
 * Splits traffic between two servers of one HAProxy backend by weight (canary `w`, stable `100 − w`), and reads the
 * weights back with `get weight`. Servers are pointed at a version's first endpoint with `set server … addr`.
 * Runtime changes are lost when HAProxy restarts unless it loads a server-state file; `getRoutes` then shows the
 * truth and the controller re-applies.
 */
export class HaproxyRouter implements TrafficRouter {
  readonly kind = 'haproxy';
  private readonly api: RuntimeApi;
  private readonly backend: string;
  private readonly stateFile: string;

  constructor(
    private readonly config: HaproxyRouterConfig,
    ctx: ProviderContext,
  ) {
    this.api = new RuntimeApi(parseRuntimeAddress(config.runtimeApi), config.timeout);
    this.backend = config.backend ?? ctx.service;
    this.stateFile = join(ctx.dataDir, `haproxy-${ctx.service}.json`);
  }

  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    await this.checkServers(signal);
    await this.point(this.config.stableServer, backends.stable, signal);
    await this.run(`set server ${this.server(this.config.stableServer)} state ready`, signal);
    if (backends.canary) {
      await this.point(this.config.canaryServer, backends.canary, signal);
      await this.run(`set server ${this.server(this.config.canaryServer)} state ready`, signal);
    }
    await this.saveState({ stableVersion: backends.stable.version, canaryVersion: backends.canary?.version });
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    if (!Number.isFinite(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
      throw new ConfigError(`canary weight must be between 0 and 100, got ${canaryWeight}`);
    }
    const canary = Math.round(canaryWeight);
    // Raise the canary before lowering stable, so the backend never has both servers at weight 0.
    await this.run(`set weight ${this.server(this.config.canaryServer)} ${canary}`, signal);
    await this.run(`set weight ${this.server(this.config.stableServer)} ${100 - canary}`, signal);
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const stable = await this.weight(this.config.stableServer, signal);
    const canary = await this.weight(this.config.canaryServer, signal);
    if (stable + canary === 0) {
      throw new ProviderError(
        `HAProxy backend ${this.backend}: both servers have weight 0 (no traffic served)`,
        this.kind,
        false,
      );
    }
    const state = await this.loadState();
    return {
      canaryWeight: Math.round((canary * 10_000) / (stable + canary)) / 100,
      stableVersion: state.stableVersion,
      canaryVersion: state.canaryVersion,
    };
  }

  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    await this.checkServers(signal);
    await this.point(this.config.stableServer, stable, signal);
    await this.run(`set server ${this.server(this.config.stableServer)} state ready`, signal);
    await this.run(`set weight ${this.server(this.config.stableServer)} 100`, signal);
    await this.run(`set weight ${this.server(this.config.canaryServer)} 0`, signal);
    // maint, not drain: nothing may reach the old canary address once the rollout is over.
    await this.run(`set server ${this.server(this.config.canaryServer)} state maint`, signal);
    await this.saveState({ stableVersion: stable.version });
  }

  async close(): Promise<void> {}

  private server(name: string): string {
    return `${this.backend}/${name}`;
  }

  /** Runs a command; HAProxy reports failures as text, so any answer that is not a known success is an error. */
  private async run(cmd: string, signal: AbortSignal): Promise<string> {
    const answer = (await this.api.command(cmd, signal)).trim();
    if (/^(No such|Unknown command|Permission denied|Require|Invalid|.*not found|.*cannot|.*failed)/i.test(answer)) {
      const retriable = false;
      throw new ProviderError(`HAProxy refused "${cmd}": ${answer.split('\n')[0]}`, this.kind, retriable);
    }
    return answer;
  }

  private async weight(server: string, signal: AbortSignal): Promise<number> {
    const answer = await this.run(`get weight ${this.server(server)}`, signal);
    const m = /^(\d+) \(initial \d+\)/.exec(answer);
    if (!m)
      throw new ProviderError(
        `HAProxy answered "get weight ${this.server(server)}" with "${answer}"`,
        this.kind,
        false,
      );
    return Number(m[1]);
  }

  /** The backend and both servers must exist: HAProxy's configuration is the user's, we only steer it. */
  private async checkServers(signal: AbortSignal): Promise<void> {
    const answer = await this.api.command(`show servers state ${this.backend}`, signal);
    if (/Can't find backend/i.test(answer)) {
      throw new ProviderError(
        `HAProxy has no backend "${this.backend}" (check the router's backend setting)`,
        this.kind,
        false,
      );
    }
    const names = new Set(
      answer
        .split('\n')
        .filter((l) => l && !l.startsWith('#') && /^\d+ /.test(l))
        .map((l) => l.split(' ')[3]),
    );
    const missing = [this.config.stableServer, this.config.canaryServer].filter((s) => !names.has(s));
    if (missing.length > 0) {
      throw new ProviderError(
        `HAProxy backend "${this.backend}" has no server ${missing.map((s) => `"${s}"`).join(' or ')}; ` +
          `declare both, e.g. "server ${this.config.canaryServer} 127.0.0.1:1 weight 0"`,
        this.kind,
        false,
      );
    }
  }

  private async point(server: string, target: VersionStatus, signal: AbortSignal): Promise<void> {
    const endpoint = target.endpoints[0];
    if (!endpoint) {
      throw new ProviderError(
        `${target.role} ${target.version} has no endpoint for HAProxy server "${server}" yet`,
        this.kind,
        true,
      );
    }
    const answer = await this.run(
      `set server ${this.server(server)} addr ${endpoint.host} port ${endpoint.port}`,
      signal,
    );
    if (answer && !/changed|no need to change/i.test(answer)) {
      throw new ProviderError(`HAProxy refused the address of "${server}": ${answer}`, this.kind, false);
    }
  }

  private async loadState(): Promise<SlotState> {
    try {
      return JSON.parse(await readFile(this.stateFile, 'utf8')) as SlotState;
    } catch {
      return {};
    }
  }

  private async saveState(state: SlotState): Promise<void> {
    await mkdir(join(this.stateFile, '..'), { recursive: true });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, this.stateFile);
  }
}
