import type { Evidence } from './measurement.js';
import type { AnalysisProgress, Effect, LogEntry, Phase, RolloutState, Transition } from './rollout.js';
import { TERMINAL_PHASES } from './rollout.js';

/**
 * A working copy of one rollout during one engine step. The engine's handlers change the copy, queue effects and
 * write log lines; `finish()` turns that into a `Transition`. The input state is never touched: the copy is made
 * up front and nested values are replaced, never mutated, so a caller may keep (or freeze) the old state.
 */
export class Draft {
  readonly state: RolloutState;
  private dirty = false;
  private readonly effects: Effect[] = [];
  private readonly notices: Effect[] = [];
  private readonly log: LogEntry[] = [];

  constructor(
    private readonly original: RolloutState,
    readonly now: number,
  ) {
    this.state = { ...original, analysis: { ...original.analysis } };
  }

  get phase(): Phase {
    return this.state.phase;
  }

  set(patch: Partial<RolloutState>): void {
    Object.assign(this.state, patch);
    this.dirty = true;
  }

  setAnalysis(patch: Partial<AnalysisProgress>): void {
    this.state.analysis = { ...this.state.analysis, ...patch };
    this.dirty = true;
  }

  effect(effect: Effect): void {
    this.effects.push(effect);
  }

  /**
   * A log line people care about: it becomes the rollout's current `reason` and is also sent to the notifiers
   * (unless `notify` is false).
   */
  say(type: string, reason: string, data: Evidence, opts: { notify?: boolean; from?: Phase; to?: Phase } = {}): void {
    const entry = makeEntry(type, reason, data, this.now, opts.from, opts.to);
    this.log.push(entry);
    this.set({ reason: entry.reason });
    if (opts.notify !== false) this.notices.push({ type: 'notify', entry });
  }

  /** A log line that changes nothing (a rejected command, a retriable failure, a routine reading). */
  mention(type: string, reason: string, data: Evidence): void {
    this.log.push(makeEntry(type, reason, data, this.now));
  }

  /**
   * A side note on this step (the load generator starting or stopping), decided after the handlers ran. It goes
   * before any phase change of this step, which must stay the last line; `first` also runs its effect before
   * the others (stopping synthetic traffic before a rollback or promotion starts, not after it ends).
   */
  aside(type: string, reason: string, data: Evidence, effect: Effect, first: boolean): void {
    const at = this.log.findIndex((e) => e.to !== undefined);
    this.log.splice(at < 0 ? this.log.length : at, 0, makeEntry(type, reason, data, this.now));
    if (first) this.effects.unshift(effect);
    else this.effects.push(effect);
  }

  /** Moves to another phase with a transition log line (always notified). */
  moveTo(to: Phase, type: string, reason: string, data: Evidence, patch: Partial<RolloutState> = {}): void {
    const from = this.state.phase;
    this.set({ ...patch, phase: to });
    this.say(type, reason, data, { from, to });
  }

  finish(): Transition {
    // Notifications go after the effects that do the work, so a slow notifier never delays a rollback.
    const effects = [...this.effects, ...this.notices];
    if (!this.dirty) return { state: this.original, effects, log: this.log };
    const state = { ...this.state, revision: this.original.revision + 1, updatedAt: this.now };
    return { state, effects, log: this.log };
  }
}

export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

export function makeEntry(
  type: string,
  reason: string,
  data: Evidence,
  at: number,
  from?: Phase,
  to?: Phase,
): LogEntry {
  const entry: LogEntry = { type, reason: oneLine(reason), data, at };
  if (from !== undefined) entry.from = from;
  if (to !== undefined) entry.to = to;
  return entry;
}

/** Reasons are shown on one line in terminals, lists and chat messages; text from outside may hold anything. */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const line = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return line === '' ? '(no reason given)' : line;
}

/** `30s`, `2m`, `1m30s`, `500ms`, `1h5m`: the units people write in specs. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${fmtDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''];
  return parts.join('');
}

/** "step 2 of 4 (10%)" */
export function where(state: RolloutState): string {
  const { stepIndex, plan, weight } = state;
  if (stepIndex < 0) return `canary weight ${weight}%`;
  return `step ${stepIndex + 1} of ${plan.steps.length} (${weight}%)`;
}

export function who(by: string | undefined): string {
  return by && by.trim() !== '' ? oneLine(by, 80) : 'an operator';
}
