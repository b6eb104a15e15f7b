import type { Measurement } from '../core/measurement.js';
import type { Command, LogEntry, RolloutState } from '../core/rollout.js';
import { Controller, type ControllerOptions } from '../controller/controller.js';
import { ProviderError } from '../errors.js';
import type { LoadedSpec } from '../spec/load.js';

/**
 * The server's controller when replicas share one store: every replica answers reads, approvals and commands
 * (commands for a rollout it does not drive go through the store, where the driving controller takes them), but
 * only while this replica leads does it drive rollouts. Each leadership term drives with a fresh inner Controller,
 * so losing the lease stops every driver at once (their abort signal) and a later term starts clean; rollouts stay
 * recorded where they are for whichever replica leads next.
 */
export class LeaderController extends Controller {
  private term?: { controller: Controller; detach: () => void };
  private holder?: string;

  constructor(
    private readonly options: ControllerOptions,
    /** This replica's identity in leader election (the pod name). */
    readonly identity: string,
  ) {
    super(options);
  }

  /** True while this replica leads (drives rollouts). */
  isLeader(): boolean {
    return this.term !== undefined;
  }

  /** Identity of the leader as last observed (this replica's own while it leads). */
  leader(): string | undefined {
    return this.term ? this.identity : this.holder;
  }

  /** Records who leads, as the election observed it. */
  observeLeader(identity: string | undefined): void {
    this.holder = identity;
  }

  /** Starts a leadership term: takes over every rollout left in flight. Returns the ids taken over. */
  async lead(): Promise<string[]> {
    if (!this.term) {
      const controller = new Controller(this.options);
      const onState = (s: RolloutState): void => void this.emit('state', s);
      const onLog = (s: RolloutState, e: LogEntry): void => void this.emit('log', s, e);
      const onMeasurement = (s: RolloutState, m: Measurement): void => void this.emit('measurement', s, m);
      controller.on('state', onState);
      controller.on('log', onLog);
      controller.on('measurement', onMeasurement);
      this.term = {
        controller,
        detach: () => {
          controller.off('state', onState);
          controller.off('log', onLog);
          controller.off('measurement', onMeasurement);
        },
      };
    }
    return this.term.controller.resumeAll();
  }

  /** Ends the term: aborts every driver and waits for them to hand their rollouts back (they stay as recorded). */
  async stepDown(): Promise<void> {
    const term = this.term;
    this.term = undefined;
    if (!term) return;
    await term.controller.close();
    term.detach();
  }

  override async start(loaded: LoadedSpec, version?: string, by?: string): Promise<RolloutState> {
    return this.driving().start(loaded, version, by);
  }

  override async resume(id: string, loaded?: LoadedSpec): Promise<RolloutState> {
    // A follower leaves the rollout to the leader; it resumes every rollout in flight when its term starts.
    return this.term ? this.term.controller.resume(id, loaded) : this.get(id);
  }

  override async resumeAll(): Promise<string[]> {
    return this.term ? this.lead() : [];
  }

  override wait(id: string): Promise<RolloutState> {
    return this.term ? this.term.controller.wait(id) : super.wait(id);
  }

  override command(serviceOrId: string, command: Command, by?: string): Promise<RolloutState> {
    // Not leading: the base controller drives nothing, so it persists the command for the leader.
    return this.term ? this.term.controller.command(serviceOrId, command, by) : super.command(serviceOrId, command, by);
  }

  override isDriving(id: string): boolean {
    return this.term?.controller.isDriving(id) ?? false;
  }

  override async close(): Promise<void> {
    await this.stepDown();
    await super.close();
  }

  private driving(): Controller {
    if (this.term) return this.term.controller;
    const leader = this.holder ? `'${this.holder}'` : 'not known yet';
    throw new ProviderError(
      `this replica (${this.identity}) does not lead, so it starts no rollouts; the leader is ${leader}`,
      'leader-election',
      true,
    );
  }
}
