import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ProviderError } from '../../errors.js';
import type { VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { HaproxyRouterConfig } from './config.js';
import { parseRuntimeAddress, RuntimeApi } from './runtime-api.js';
import { canaryShare, MAX_SLOTS, parseSlots, splitWeights, type Slot } from './slots.js';

/** Which version each role's slots hold: HAProxy has no place for such labels, so we keep them in the data dir. */
interface SlotState {
  stableVersion?: string;
  canaryVersion?: string;
}

interface Slots {
  stable: Slot[];
  canary: Slot[];
}

/**
 * Splits traffic between the stable and canary servers of one HAProxy backend by weight, and reads the split back
 * from `show servers state`. Each role has one server (`stable`) or a `server-template` of slots (`stable1…N`): the
 * slots are pointed at the version's endpoints (`set server … addr`) and the unused ones kept in maintenance, so a
 * version with several instances gets all of them. Runtime changes are lost when HAProxy restarts unless it loads a
 * server-state file; `getRoutes` then shows the truth and the controller re-applies.
 */
export class HaproxyRouter implements TrafficRouter {
  readonly kind = 'haproxy';
  private readonly api: RuntimeApi;
  private readonly backend: string;
  private readonly stateFile: string;

  constructor(
    private readonly config: HaproxyRouterConfig,
    private readonly ctx: ProviderContext,
  ) {
    this.api = new RuntimeApi(parseRuntimeAddress(config.runtimeApi), config.timeout);
    this.backend = config.backend ?? ctx.service;
    this.stateFile = join(ctx.dataDir, `haproxy-${ctx.service}.json`);
  }

  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    const before = await this.slots(signal);
    const { canary, total } = canaryShare(before.stable, before.canary);
    // Keep the split that is applied now (a fresh backend: everything on stable).
    const share = total > 0 ? (canary * 100) / total : 0;
    const stable = await this.point(before.stable, backends.stable, signal);
    const canarySlots = backends.canary ? await this.point(before.canary, backends.canary, signal) : before.canary;
    await this.weigh({ stable, canary: canarySlots }, share, signal);
    await this.saveState({ stableVersion: backends.stable.version, canaryVersion: backends.canary?.version });
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    if (!Number.isFinite(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
      throw new ConfigError(`canary weight must be between 0 and 100, got ${canaryWeight}`);
    }
    await this.weigh(await this.slots(signal), canaryWeight, signal);
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const slots = await this.slots(signal);
    const { canary, total } = canaryShare(slots.stable, slots.canary);
    if (total === 0) {
      throw new ProviderError(
        `HAProxy backend ${this.backend}: every server in rotation has weight 0 (no traffic served)`,
        this.kind,
        false,
      );
    }
    const state = await this.loadState();
    return {
      canaryWeight: Math.round((canary * 10_000) / total) / 100,
      stableVersion: state.stableVersion,
      canaryVersion: state.canaryVersion,
    };
  }

  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    const before = await this.slots(signal);
    const pointed = await this.point(before.stable, stable, signal);
    await this.weigh({ stable: pointed, canary: before.canary }, 0, signal);
    // maint, not drain: nothing may reach the old canary address once the rollout is over.
    for (const slot of before.canary) await this.run(`set server ${this.server(slot.name)} state maint`, signal);
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

  /** Both roles' slots; the backend and at least one slot per role must exist (HAProxy's configuration is the user's). */
  private async slots(signal: AbortSignal): Promise<Slots> {
    const answer = await this.api.command(`show servers state ${this.backend}`, signal);
    if (/Can't find backend/i.test(answer)) {
      throw new ProviderError(
        `HAProxy has no backend "${this.backend}" (check the router's backend setting)`,
        this.kind,
        false,
      );
    }
    const stable = parseSlots(answer, this.config.stableServer);
    const canary = parseSlots(answer, this.config.canaryServer);
    const missing = [
      ...(stable.length === 0 ? [this.config.stableServer] : []),
      ...(canary.length === 0 ? [this.config.canaryServer] : []),
    ];
    if (missing.length > 0) {
      throw new ProviderError(
        `HAProxy backend "${this.backend}" has no server ${missing.map((s) => `"${s}"`).join(' or ')}; ` +
          `declare both, e.g. "server ${this.config.canaryServer} 127.0.0.1:1 weight 0", or slots for several ` +
          `instances with "server-template ${this.config.canaryServer} 1-4 127.0.0.1:1 weight 0 disabled"`,
        this.kind,
        false,
      );
    }
    return { stable, canary };
  }

  /**
   * Sets weights so that `share` percent goes to the canary's slots in rotation. Weights that rise are set before
   * weights that fall, so the backend never has every server at weight 0 in between.
   */
  private async weigh(slots: Slots, share: number, signal: AbortSignal): Promise<void> {
    const canary = slots.canary.filter((s) => !s.maint);
    const stable = slots.stable.filter((s) => !s.maint);
    if (stable.length === 0 && share < 100) {
      throw new ProviderError(`HAProxy backend "${this.backend}": no stable server in rotation`, this.kind, true);
    }
    const { canary: canaryWeight, stable: stableWeight } = splitWeights(share, {
      stable: stable.length,
      canary: canary.length,
    });
    const changes = [
      ...canary.map((s) => ({ slot: s, weight: canaryWeight })),
      ...stable.map((s) => ({ slot: s, weight: stableWeight })),
    ].sort((a, b) => Number(b.weight > b.slot.weight) - Number(a.weight > a.slot.weight));
    for (const { slot, weight } of changes) {
      if (weight !== slot.weight) await this.run(`set weight ${this.server(slot.name)} ${weight}`, signal);
    }
  }

  /**
   * Points the first slots at the version's endpoints and puts them in rotation; the remaining slots go to
   * maintenance at weight 0. Returns the slots as they now stand (weights are set by `weigh`).
   */
  private async point(slots: Slot[], target: VersionStatus, signal: AbortSignal): Promise<Slot[]> {
    if (target.endpoints.length === 0) {
      throw new ProviderError(
        `${target.role} ${target.version} has no endpoint for HAProxy servers "${slots[0]!.name}…" yet`,
        this.kind,
        true,
      );
    }
    const usable = slots.slice(0, MAX_SLOTS);
    if (target.endpoints.length > usable.length) {
      this.ctx.log.warn(
        { version: target.version, endpoints: target.endpoints.length, slots: usable.length },
        `HAProxy backend "${this.backend}" has fewer ${target.role} slots than instances: only the first ` +
          `${usable.length} receive traffic (declare more with server-template)`,
      );
    }
    const out: Slot[] = [];
    for (const [i, slot] of slots.entries()) {
      const endpoint = i < usable.length ? target.endpoints[i] : undefined;
      if (!endpoint) {
        await this.run(`set weight ${this.server(slot.name)} 0`, signal);
        await this.run(`set server ${this.server(slot.name)} state maint`, signal);
        out.push({ ...slot, maint: true, weight: 0 });
        continue;
      }
      const answer = await this.run(
        `set server ${this.server(slot.name)} addr ${endpoint.host} port ${endpoint.port}`,
        signal,
      );
      if (answer && !/changed|no need to change/i.test(answer)) {
        throw new ProviderError(`HAProxy refused the address of "${slot.name}": ${answer}`, this.kind, false);
      }
      await this.run(`set server ${this.server(slot.name)} state ready`, signal);
      out.push({ ...slot, addr: endpoint.host, port: endpoint.port, maint: false });
    }
    return out;
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
