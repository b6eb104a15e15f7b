import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { newRollout } from '../core/engine.js';
import type { Measurement } from '../core/measurement.js';
import type { Command, LogEntry, RolloutState } from '../core/rollout.js';
import { TERMINAL_PHASES } from '../core/rollout.js';
import {
  ConfigError,
  ConflictError,
  NotFoundError,
  ProviderError,
  RolloutInFlightError,
  errorMessage,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import type { LoadedSpec } from '../spec/load.js';
import { planFromSpec } from '../spec/plan.js';
import { systemClock, type Clock } from './clock.js';
import { putPendingCommand } from './pending-commands.js';
import { putApproval } from '../gates/approvals.js';
import { LeaseHeldError, RolloutDriver } from './rollout-driver.js';
import { portsForSpec, type RolloutPorts } from './rollout-ports.js';
import { ensureStable } from './stable.js';
import { readRolloutSpec, saveRolloutSpec } from './rollout-spec.js';
import type { LoadAssistConfig } from './load-assist.js';
import { ServiceIndex } from './service-index.js';

export interface ControllerOptions {
  store: Store;
  dataDir: string;
  log: Logger;
  clock?: Clock;
  /** Destinations every rollout notifies besides those in its spec (server-wide). */
  notifiers?: Notifier[];
  /** The server's public URL: notifications and hooks link to `<serverUrl>/rollouts/<id>`. */
  serverUrl?: string;
  /** Override how ports are built (tests inject fakes). */
  portsFor?: (loaded: LoadedSpec) => Promise<RolloutPorts>;
}

export interface ControllerEvents {
  state: [RolloutState];
  log: [RolloutState, LogEntry];
  measurement: [RolloutState, Measurement];
}

/**
 * One controller drives many services at once, one rollout per service. It owns the drivers of the rollouts it
 * started or resumed; commands for rollouts driven elsewhere are persisted for their owner to pick up.
 */
export class Controller extends EventEmitter<ControllerEvents> {
  private readonly drivers = new Map<string, { driver: RolloutDriver; done: Promise<RolloutState> }>();
  private readonly stop = new AbortController();
  readonly clock: Clock;

  constructor(private readonly opts: ControllerOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
  }

  get store(): Store {
    return this.opts.store;
  }

  /**
   * Starts a rollout of `version` (default: the spec's) for the spec's service, or resumes the one in flight
   * for the same version. Brings the stable version up first when it does not run yet.
   */
  async start(loaded: LoadedSpec, version?: string, by?: string): Promise<RolloutState> {
    const service = loaded.spec.metadata.name;
    const toVersion = version ?? loaded.spec.spec.version;
    if (!toVersion)
      throw new ConfigError(`no version to roll out for '${service}': set spec.version or pass --version`);
    const inFlight = await this.inFlight(service);
    if (inFlight) {
      if (inFlight.toVersion !== toVersion) {
        throw new RolloutInFlightError(
          `'${service}' already has a rollout in flight (${inFlight.fromVersion} → ${inFlight.toVersion}, ${inFlight.phase}); ` +
            'abort it or wait for it to end',
        );
      }
      return this.resume(inFlight.id, loaded);
    }
    const fromVersion = await this.stableVersion(loaded);
    if (fromVersion === toVersion) {
      throw new ConflictError(`${toVersion} is already the stable version of '${service}'`);
    }
    const plan = planFromSpec(loaded.spec);
    const ports = await this.portsFor(loaded);
    try {
      await ensureStable(ports, service, fromVersion, plan.deployTimeoutMs, this.clock);
    } catch (err) {
      await ports.close();
      throw err;
    }
    const id = `${service}-${this.clock.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const t = newRollout({ id, service, fromVersion, toVersion, plan }, ports.analyzer, this.clock.now());
    if (by) t.log.forEach((e) => (e.data = { ...e.data, by }));
    await saveRolloutSpec(this.store, id, loaded);
    await this.store.create(t.state, t.log);
    // Every process that starts rollouts (a server, a local `chimera run`) names the service in the shared index,
    // so servers list it and show it in /metrics however many rollouts come after. Best effort: the rollout is
    // recorded either way, and the index's recent window catches a miss.
    await new ServiceIndex(this.store)
      .add([service])
      .catch((err: unknown) => this.opts.log.warn({ service, err: errorMessage(err) }, 'service index not updated'));
    this.drive(id, loaded, ports);
    return t.state;
  }

  /** Takes over a rollout recorded in the store (after a restart), using the spec saved with it. */
  async resume(id: string, loaded?: LoadedSpec): Promise<RolloutState> {
    const state = await this.get(id);
    if (this.drivers.has(id) || TERMINAL_PHASES.includes(state.phase)) return state;
    const spec = loaded ?? (await this.savedSpec(id));
    this.drive(id, spec, await this.portsFor(spec));
    return state;
  }

  /** Resumes every rollout left in flight (server start-up). Returns the ids taken over. */
  async resumeAll(): Promise<string[]> {
    const open = await this.store.list({
      phases: ['pending', 'deploying', 'progressing', 'paused', 'promoting', 'rolling_back'],
    });
    const ids: string[] = [];
    for (const r of open) {
      try {
        await this.resume(r.id);
        ids.push(r.id);
      } catch (err) {
        this.opts.log.error({ rollout: r.id, err: errorMessage(err) }, 'could not resume rollout');
      }
    }
    return ids;
  }

  /** Resolves when the rollout reaches a terminal phase (or this controller stops). */
  async wait(id: string): Promise<RolloutState> {
    const d = this.drivers.get(id);
    return d ? d.done : this.get(id);
  }

  /** Applies a command to the service's rollout in flight (or to a rollout id). */
  async command(serviceOrId: string, command: Command, by?: string): Promise<RolloutState> {
    const state = await this.findTarget(serviceOrId);
    if (TERMINAL_PHASES.includes(state.phase)) {
      throw new ConflictError(`rollout ${state.id} of '${state.service}' has already ended (${state.phase})`);
    }
    const local = this.drivers.get(state.id);
    if (local) local.driver.command(command, by);
    else await putPendingCommand(this.store, state.id, { command, ...(by ? { by } : {}), at: this.clock.now() });
    return state;
  }

  async get(id: string): Promise<RolloutState> {
    const state = await this.store.get(id);
    if (!state) throw new NotFoundError(`no rollout with id '${id}'`);
    return state;
  }

  /** The rollout in flight for a service, if any. */
  async inFlight(service: string): Promise<RolloutState | undefined> {
    const [latest] = await this.store.list({ service, limit: 1 });
    return latest && !TERMINAL_PHASES.includes(latest.phase) ? latest : undefined;
  }

  isDriving(id: string): boolean {
    return this.drivers.has(id);
  }

  /** Stops driving (rollouts stay recorded where they are; workloads and routes keep serving). */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.drivers.values()].map((d) => d.done));
  }

  private drive(id: string, loaded: LoadedSpec, ports: RolloutPorts): void {
    const driver = new RolloutDriver(id, ports, {
      store: this.store,
      clock: this.clock,
      log: this.opts.log.child({ rollout: id }),
      measureEveryMs: loaded.spec.spec.analysis.interval,
      rolloutUrl: (rid) => this.rolloutUrl(rid),
      loadGenerator: loadAssistConfig(loaded),
    });
    driver.on('state', (s) => this.emit('state', s));
    driver.on('log', (s, e) => this.emit('log', s, e));
    driver.on('measurement', (s, m) => this.emit('measurement', s, m));
    const done = driver
      .run(this.stop.signal)
      .catch((err: unknown) => {
        if (err instanceof LeaseHeldError) this.opts.log.warn({ rollout: id }, err.message);
        else this.opts.log.error({ rollout: id, err: errorMessage(err) }, 'driver stopped');
        throw err;
      })
      .finally(() => {
        this.drivers.delete(id);
        void ports.close();
      });
    done.catch(() => undefined);
    this.drivers.set(id, { driver, done });
  }

  private async portsFor(loaded: LoadedSpec): Promise<RolloutPorts> {
    if (this.opts.portsFor) return this.opts.portsFor(loaded);
    return portsForSpec(loaded, {
      dataDir: this.opts.dataDir,
      log: this.opts.log,
      ...(this.opts.notifiers ? { notifiers: this.opts.notifiers } : {}),
      store: this.store,
      rolloutUrl: (rid) => this.rolloutUrl(rid),
    });
  }

  /** The dashboard page of a rollout, when the server URL is known. */
  rolloutUrl(id: string): string | undefined {
    const base = this.opts.serverUrl ?? process.env.CHIMERA_SERVER_URL;
    return base ? `${base.replace(/\/+$/, '')}/rollouts/${encodeURIComponent(id)}` : undefined;
  }

  /**
   * Answers the manual-approval gate the service's rollout (or a rollout id) waits at. The answer goes through
   * the store, so it reaches whichever controller drives the rollout. ConflictError when nothing waits.
   */
  async approve(serviceOrId: string, by?: string, approved = true): Promise<RolloutState> {
    const state = await this.findTarget(serviceOrId);
    const gate = state.gate;
    if (TERMINAL_PHASES.includes(state.phase) || !gate || gate.passed === true || state.phase === 'paused') {
      throw new ConflictError(`rollout ${state.id} of '${state.service}' is not waiting at a gate (${state.phase})`);
    }
    await putApproval(this.store, state.id, {
      point: gate.point,
      approved,
      by: by && by.trim() !== '' ? by.slice(0, 80) : 'an operator',
      at: this.clock.now(),
    });
    return state;
  }

  private async stableVersion(loaded: LoadedSpec): Promise<string> {
    const service = loaded.spec.metadata.name;
    const [last] = await this.store.list({ service, phases: ['succeeded'], limit: 1 });
    const v = last?.toVersion ?? loaded.spec.spec.stableVersion;
    if (!v) {
      throw new ConfigError(
        `Chimera has no record of a stable version of '${service}': set spec.stableVersion to the version running now`,
      );
    }
    return v;
  }

  private async savedSpec(id: string): Promise<LoadedSpec> {
    const loaded = await readRolloutSpec(this.store, id);
    if (!loaded)
      throw new ProviderError(`the spec of rollout ${id} is missing from the store or unreadable`, 'store', false);
    return loaded;
  }

  private async findTarget(serviceOrId: string): Promise<RolloutState> {
    const byId = await this.store.get(serviceOrId);
    if (byId) return byId;
    const [latest] = await this.store.list({ service: serviceOrId, limit: 1 });
    if (!latest) throw new NotFoundError(`no service or rollout named '${serviceOrId}'`);
    return latest;
  }
}

/** The spec's load-generator target; a spec saved before `loadGenerator` existed gets the defaults. */
function loadAssistConfig(loaded: LoadedSpec): LoadAssistConfig {
  const lg = loaded.spec.spec.analysis.loadGenerator as Partial<LoadAssistConfig> | undefined;
  return { path: lg?.path ?? '/', ...(lg?.url ? { url: lg.url } : {}) };
}
