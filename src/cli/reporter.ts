import type { Controller } from '../controller/controller.js';
import type { RolloutState } from '../core/rollout.js';
import { liveBlock, plainLine, RateTracker, type LiveRates } from './progress.js';

export type ReportMode = 'tty' | 'plain' | 'json';

/**
 * Shows rollouts as they happen: on a terminal a live block per rollout redrawn in place (weight bar, canary vs
 * stable error rate and p99, the current reason) with decisions scrolling above it; piped, one plain line per
 * event; with --json nothing until the final document.
 */
export class Reporter {
  private readonly rates = new RateTracker();
  private readonly live = new Map<string, { state: RolloutState; rates?: LiveRates }>();
  private drawn = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly mode: ReportMode,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  attach(controller: Controller): () => void {
    if (this.mode === 'json') return () => undefined;
    const onLog = (state: RolloutState, entry: Parameters<typeof plainLine>[1]): void => {
      this.track(state);
      this.print(plainLine(state, entry));
    };
    const onState = (state: RolloutState): void => this.track(state);
    const onMeasurement = (state: RolloutState, m: Parameters<RateTracker['update']>[1]): void => {
      const rates = this.rates.update(state.id, m);
      this.track(state, rates);
    };
    controller.on('log', onLog);
    controller.on('state', onState);
    controller.on('measurement', onMeasurement);
    if (this.mode === 'tty') this.timer = setInterval(() => this.redraw(), 250);
    return () => {
      controller.off('log', onLog);
      controller.off('state', onState);
      controller.off('measurement', onMeasurement);
      if (this.timer) clearInterval(this.timer);
      this.redraw();
    };
  }

  private track(state: RolloutState, rates?: LiveRates): void {
    const prev = this.live.get(state.id);
    this.live.set(state.id, { state, rates: rates ?? prev?.rates });
  }

  private print(line: string): void {
    if (this.mode === 'tty') {
      this.clear();
      this.out.write(line + '\n');
      this.redraw();
    } else {
      this.out.write(line + '\n');
    }
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (this.mode !== 'tty') return;
    this.clear();
    const lines = [...this.live.values()].flatMap((l) => liveBlock(l.state, l.rates));
    if (lines.length > 0) this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
}
