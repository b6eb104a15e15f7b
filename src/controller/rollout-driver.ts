import { EventEmitter } from 'node:events';
import { effectsToResume, step } from '../core/engine.js';
import type { Measurement } from '../core/measurement.js';
import type { Command, Effect, LogEntry, RolloutEvent, RolloutState } from '../core/rollout.js';
import { TERMINAL_PHASES } from '../core/rollout.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import type { Clock } from './clock.js';
import { DriverGates } from './driver-gates.js';
import { readCanaryStatus, readMeasurement } from './driver-measure.js';
import { notifyAll } from './driver-notify.js';
import { RetryQueue } from './driver-retries.js';
import { EffectRunner } from './effect-runner.js';
import { LoadAssist, type LoadAssistConfig } from './load-assist.js';
import { OWNER_ID, RolloutLease } from './lease.js';
import { takePendingCommand } from './pending-commands.js';
import type { RolloutPorts } from './rollout-ports.js';

export interface DriverOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** How often metrics are read (the spec's analysis.interval). */
  measureEveryMs: number;
  /** How often the loop wakes to poll status, commands and deadlines. */
  pollMs?: number;
  /** A lease not renewed for this long may be taken over by another controller. */
  leaseTtlMs?: number;
  /** Link to a rollout's dashboard page, sent with notifications and to hooks. */
  rolloutUrl?: (id: string) => string | undefined;
  /** The spec's `analysis.loadGenerator` (path, url), for the engine's `load` effects. */
  loadGenerator?: LoadAssistConfig;
}

export interface DriverEvents {
  state: [RolloutState];
  log: [RolloutState, LogEntry];
  measurement: [RolloutState, Measurement];
}

/**
 * Drives one rollout to a terminal phase: feeds events to the pure engine, persists each transition BEFORE
 * running its effects, and turns effect outcomes back into events. Safe to start on a rollout another process
 * left half-way: it re-runs the idempotent effects that realise the recorded state (`effectsToResume`).
 *
 * This file is the loop (lease, command intake, when to read what, the engine step, effect dispatch); what the
 * loop reads lives in `driver-measure.ts`, retry back-off in `driver-retries.ts`, background gate runs in
 * `driver-gates.ts`, notifications in `driver-notify.ts`, and port effects in `effect-runner.ts`.
 */
export class RolloutDriver extends EventEmitter<DriverEvents> {
  private state!: RolloutState;
  private readonly runner: EffectRunner;
  private readonly lease: RolloutLease;
  private readonly commands: Array<{ command: Command; by?: string }> = [];
  private readonly retries = new RetryQueue();
  private readonly gates: DriverGates;
  private wake?: () => void;
  private nextMeasureAt = 0;
  private readonly load: LoadAssist;
  /** A generator that cannot run is said once per driver, not on every step. */
  private loadWarned = false;

  constructor(
    readonly rolloutId: string,
    private readonly ports: RolloutPorts,
    private readonly opts: DriverOptions,
  ) {
    super();
    this.runner = new EffectRunner(ports, opts.log);
    this.lease = new RolloutLease(opts.store, rolloutId, opts.leaseTtlMs ?? 15_000);
    this.load = new LoadAssist(ports.router, opts.loadGenerator ?? { path: '/' }, opts.log);
    this.gates = new DriverGates(ports, opts.log, () => this.wake?.());
  }

  get current(): RolloutState {
    return this.state;
  }

  /** Queue a command from this process (the server, the CLI that runs the rollout). */
  command(command: Command, by?: string): void {
    this.commands.push({ command, by });
    this.wake?.();
  }

  /** Runs until the rollout is terminal or `signal` aborts (the rollout then stays where it is, owned by nobody). */
  async run(signal: AbortSignal): Promise<RolloutState> {
    const loaded = await this.opts.store.get(this.rolloutId);
    if (!loaded) throw new Error(`rollout ${this.rolloutId} vanished from the store`);
    this.state = loaded;
    const held = await this.lease.acquire(this.opts.clock.now());
    if (!held.ok) {
      throw new LeaseHeldError(
        `rollout ${this.rolloutId} is driven by another controller (${held.holder.host} pid ${held.holder.pid})`,
      );
    }
    try {
      if (this.state.phase !== 'pending') await this.recordResume();
      for (const effect of effectsToResume(this.state)) await this.execute(effect);
      if (this.state.phase === 'pending') await this.apply({ type: 'start' });
      while (!TERMINAL_PHASES.includes(this.state.phase) && !signal.aborted) {
        await this.cycle(signal);
        if (TERMINAL_PHASES.includes(this.state.phase)) break;
        await this.pause(signal);
      }
    } finally {
      // Never leak synthetic traffic: a driver that stops (terminal, or the controller closing) stops its generator.
      await this.load.stop().catch(() => undefined);
      // Informational hooks (post-rollout, rollback) finish before the rollout is handed back.
      await this.gates.close();
      await this.lease.release().catch(() => undefined);
    }
    return this.state;
  }

  /** Says in the log that this controller took the rollout over, and from where. */
  private async recordResume(): Promise<void> {
    const s = this.state;
    await this.appendLog(
      'controller-resumed',
      `controller ${OWNER_ID} resumed the rollout in phase ${s.phase} at step ${s.stepIndex + 1} (canary weight ${s.weight}%)`,
      { phase: s.phase, step: s.stepIndex + 1, weight: s.weight },
    );
  }

  /** A log line from the controller itself (not an engine transition), with its own revision. */
  private async appendLog(type: string, reason: string, data: LogEntry['data']): Promise<void> {
    const now = this.opts.clock.now();
    const s = this.state;
    const entry: LogEntry = { type, reason, data, at: now };
    const next = { ...s, revision: s.revision + 1, updatedAt: now };
    await this.opts.store.save(next, [entry]);
    this.state = next;
    this.emit('log', next, entry);
  }

  /** One pass: commands, platform status or metrics, deadlines, retries. */
  private async cycle(signal: AbortSignal): Promise<void> {
    const held = await this.lease.acquire(this.opts.clock.now());
    if (!held.ok) {
      // Another controller took the rollout over (this one stalled past the lease, or a replica lost leadership):
      // stop at once, without another write, so two controllers never drive one rollout.
      throw new LeaseHeldError(
        `rollout ${this.rolloutId} was taken over by ${held.holder.host} pid ${held.holder.pid}; this controller stops driving it`,
      );
    }
    const persisted = await takePendingCommand(this.opts.store, this.rolloutId);
    if (persisted) this.commands.push(persisted);
    while (this.commands.length > 0) {
      const c = this.commands.shift()!;
      await this.apply({ type: 'command', command: c.command, ...(c.by ? { by: c.by } : {}) });
    }
    for (const e of this.gates.takeResults()) await this.apply(e);
    this.gates.dropStale(this.state);
    const { phase } = this.state;
    if (phase === 'deploying') {
      await this.pollCanary(signal);
    } else if ((phase === 'progressing' || phase === 'paused') && this.opts.clock.now() >= this.nextMeasureAt) {
      this.nextMeasureAt = this.opts.clock.now() + this.opts.measureEveryMs;
      await this.measure(signal);
    }
    await this.apply({ type: 'tick' });
    for (const effect of this.retries.takeDue(this.opts.clock.now())) await this.execute(effect);
  }

  private async pollCanary(signal: AbortSignal): Promise<void> {
    try {
      await this.apply(await readCanaryStatus(this.ports.platform, this.state, signal));
    } catch (err) {
      this.opts.log.warn({ err: errorMessage(err) }, 'canary status unavailable');
    }
  }

  private async measure(signal: AbortSignal): Promise<void> {
    const measurement = await readMeasurement(this.ports.metrics, this.state, this.opts.clock.now(), signal);
    this.emit('measurement', this.state, measurement);
    await this.apply({ type: 'measurement', measurement });
  }

  /** Engine step → persist → notify listeners → effects. */
  private async apply(event: RolloutEvent): Promise<void> {
    const now = this.opts.clock.now();
    const t = step(this.state, event, now, { analyzer: this.ports.analyzer });
    if (t.state.revision === this.state.revision && t.log.length === 0) return;
    // A log-only outcome (a rejected command) still needs its own revision: the store appends with the state.
    const next =
      t.state.revision === this.state.revision
        ? { ...t.state, revision: t.state.revision + 1, updatedAt: now }
        : t.state;
    await this.opts.store.save(next, t.log);
    this.state = next;
    this.emit('state', next);
    for (const entry of t.log) this.emit('log', next, entry);
    for (const effect of t.effects) await this.execute(effect);
  }

  private async execute(effect: Effect): Promise<void> {
    if (effect.type === 'notify') {
      // Notifications never block or fail a rollout.
      notifyAll(this.ports.notifiers, this.state, effect.entry, this.opts.rolloutUrl, this.opts.log);
      return;
    }
    if (effect.type === 'run-gate') {
      this.gates.start(effect.point, this.state, effect.informational === true);
      return;
    }
    if (effect.type === 'load') {
      await this.runLoad(effect);
      return;
    }
    const events = await this.runner.run(effect, this.state);
    this.retries.settled(events, this.opts.clock.now());
    for (const e of events) {
      this.retries.note(effect, e);
      await this.apply(e);
    }
  }

  /**
   * Synthetic traffic never decides a rollout: a generator that cannot run is one warning in the event log (once
   * per driver), never an `effect-failed` that could roll back.
   */
  private async runLoad(effect: Extract<Effect, { type: 'load' }>): Promise<void> {
    const out = await this.load.apply(effect, this.opts.clock.now());
    if (out.kind !== 'unavailable' || this.loadWarned) return;
    this.loadWarned = true;
    await this.appendLog(
      'load-generator-unavailable',
      `synthetic traffic cannot start (${out.reason}); the rollout goes on with real traffic only`,
      { rps: effect.rps },
    );
  }

  private async pause(signal: AbortSignal): Promise<void> {
    const ms = this.opts.pollMs ?? Math.min(500, this.opts.measureEveryMs);
    const woken = new AbortController();
    this.wake = () => woken.abort();
    try {
      await this.opts.clock.sleep(ms, AbortSignal.any([signal, woken.signal]));
    } catch {
      // Woken early by a command, or stopped: either way the loop re-checks.
    } finally {
      this.wake = undefined;
    }
  }
}

/** Another live controller owns the rollout. */
export class LeaseHeldError extends Error {}
