import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Controller } from '../controller/controller.js';
import type { LogEntry, Phase, RolloutState } from '../core/rollout.js';
import { TERMINAL_PHASES } from '../core/rollout.js';

const PHASES: Phase[] = [
  'pending',
  'deploying',
  'progressing',
  'paused',
  'promoting',
  'succeeded',
  'rolling_back',
  'rolled_back',
  'failed',
];

/**
 * The server's own Prometheus metrics: each service's rollout phase and canary weight, how long rollouts take by
 * outcome, and the analysis verdicts reached. Labels are service names and fixed vocabularies only (never rollout
 * ids), so the series count stays bounded.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly phase: Gauge<'service' | 'phase'>;
  private readonly weight: Gauge<'service'>;
  private readonly duration: Histogram<'service' | 'outcome'>;
  private readonly decisions: Counter<'service' | 'verdict'>;
  readonly sseClients: Gauge;
  private readonly finished = new Set<string>();
  private readonly detach: () => void;

  constructor(controller: Controller) {
    collectDefaultMetrics({ register: this.registry, prefix: 'chimera_server_' });
    this.phase = new Gauge({
      name: 'chimera_rollout_phase',
      help: 'Phase of the latest rollout of each service (1 for the current phase, 0 otherwise)',
      labelNames: ['service', 'phase'],
      registers: [this.registry],
    });
    this.weight = new Gauge({
      name: 'chimera_rollout_canary_weight_percent',
      help: 'Canary traffic weight of the latest rollout of each service',
      labelNames: ['service'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'chimera_rollout_duration_seconds',
      help: 'Time from start to end of finished rollouts, by outcome phase',
      labelNames: ['service', 'outcome'],
      buckets: [10, 30, 60, 120, 300, 600, 1200, 3600, 7200],
      registers: [this.registry],
    });
    this.decisions = new Counter({
      name: 'chimera_analysis_decisions_total',
      help: 'Analysis verdicts recorded, by verdict',
      labelNames: ['service', 'verdict'],
      registers: [this.registry],
    });
    this.sseClients = new Gauge({
      name: 'chimera_server_stream_clients',
      help: 'Open event-stream connections',
      registers: [this.registry],
    });
    const onState = (s: RolloutState): void => this.observe(s);
    const onLog = (s: RolloutState, e: LogEntry): void => {
      if (e.type === 'analysis' && typeof e.data.verdict === 'string') {
        this.decisions.inc({ service: s.service, verdict: e.data.verdict });
      }
    };
    controller.on('state', onState);
    controller.on('log', onLog);
    this.detach = () => {
      controller.off('state', onState);
      controller.off('log', onLog);
    };
  }

  /**
   * Records a rollout's state. At start-up the latest rollout of each service is seeded with `live` false: its
   * phase and weight show, but a rollout that ended before this process started adds no duration sample.
   */
  observe(s: RolloutState, live = true): void {
    for (const p of PHASES) this.phase.set({ service: s.service, phase: p }, p === s.phase ? 1 : 0);
    this.weight.set({ service: s.service }, s.weight);
    if (TERMINAL_PHASES.includes(s.phase) && s.finishedAt && !this.finished.has(s.id)) {
      this.finished.add(s.id);
      if (live) this.duration.observe({ service: s.service, outcome: s.phase }, (s.finishedAt - s.createdAt) / 1000);
    }
  }

  close(): void {
    this.detach();
  }
}
