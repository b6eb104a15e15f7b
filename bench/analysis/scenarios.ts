import { bursts, cycle, incident, type Scenario } from '../../src/testing/analysis-sim.js';

export const P0 = 0.001;
export const ALPHA = 0.01;

/** Bad canaries: canary error rates beside a 0.1 % baseline. */
export const BAD_RATES = [0.002, 0.005, 0.01, 0.05, 0.5, 1];

/** A scenario without its batch interval (each contender picks its own). */
export type Setting = Omit<Scenario, 'dt'>;

export function bad(pc: number, rps = 100, w = 0.1, horizon = 4 * 3600): Setting {
  return { rps, share: () => w, p0: P0, pc, horizon };
}

export interface HealthyCase {
  name: string;
  setting: Setting;
  /** One of the six required healthy scenarios (others are extra, shown for honesty). */
  required: boolean;
  /** Batch interval for our analyzer (default 5 s, the engine's default). */
  dt?: number;
}

const hour = 3600;
const steady: Setting = { rps: 100, share: () => 0.1, p0: P0, pc: P0, horizon: hour };

export const HEALTHY: HealthyCase[] = [
  { name: 'steady', setting: steady, required: true },
  { name: 'shared incident ×20 for 5 min', setting: { ...steady, shared: incident(600, 300, 20) }, required: true },
  {
    name: 'daily cycle (errors ×0.2–3, traffic ×0.3–1.7)',
    setting: { ...steady, shared: cycle(hour), traffic: (t) => 1 + 0.7 * Math.sin((2 * Math.PI * t) / hour) },
    required: true,
  },
  // Quiet services are read every 30 s: a 5 s batch at 0.05 req/s is empty 98 % of the time.
  {
    name: 'low traffic 0.05 req/s (p0 1 %)',
    setting: { ...steady, rps: 0.05, p0: 0.01, pc: 0.01 },
    required: true,
    dt: 30,
  },
  {
    name: 'low traffic 0.2 req/s (p0 1 %)',
    setting: { ...steady, rps: 0.2, p0: 0.01, pc: 0.01 },
    required: true,
    dt: 30,
  },
  { name: 'low traffic 1 req/s (p0 1 %)', setting: { ...steady, rps: 1, p0: 0.01, pc: 0.01 }, required: true, dt: 30 },
  { name: 'split mismatch (11 % actual, 10 % nominal)', setting: { ...steady, share: () => 0.11 }, required: true },
  {
    name: 'bursty errors (shared bursts ×50, 2–10 s)',
    setting: { ...steady, shared: bursts(12, 50, hour) },
    required: true,
  },
  {
    name: 'extra: weight steps 10→20→50 %',
    setting: { ...steady, share: (t) => (t < 1200 ? 0.1 : t < 2400 ? 0.2 : 0.5) },
    required: false,
  },
  {
    name: 'extra: steady, 0.1 s batches (10 requests each), 10 min',
    setting: { ...steady, p0: 0.01, pc: 0.01, horizon: 600 },
    required: false,
    dt: 0.1,
  },
  {
    name: 'extra: errors clustered in one version (mean 3)',
    setting: { ...steady, p0: 0.003, pc: 0.003, cluster: 3 },
    required: false,
  },
];
