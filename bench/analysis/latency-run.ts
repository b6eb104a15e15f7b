/**
 * The latency benchmark: simulated canaries with latency regressions (and healthy ones) judged side by side by
 * Chimera's sequential analysis (slow-request counts against the baseline's p99 bucket), a Flagger-style fixed p99
 * check and a Kayenta-style Mann–Whitney on per-minute p99s. Seeded and deterministic.
 *
 *   npx tsx bench/analysis/latency-run.ts              # full run
 *   npx tsx bench/analysis/latency-run.ts --scale 0.2  # quick look (BENCH_SCALE=0.2 works too)
 *
 * Prints JSON then markdown tables; a full-scale run also writes docs/analysis/latency-*.svg and the tables into
 * docs/analysis.md (between the latency-bench markers), so a quick look never overwrites the published figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { ALPHA_LATENCY, ALPHA_MEDIAN } from '../../src/analysis/sequential-setup.js';
import { writeDocSection } from './doc-section.js';
import { fileURLToPath } from 'node:url';
import { flaggerLatency, kayentaLatency, oursLatency, type LatencyContender } from './latency-judges.js';
import { renderLatency, type BadLatencyRow, type HealthyLatencyRow } from './latency-report.js';
import { ALPHA, BASE, HEALTHY, REGRESSIONS, badSetting, type LatencySetting } from './latency-scenarios.js';
import { LAYOUTS, quantileOf, simulateLatency, type LatencyRun } from './latency-sim.js';
import { clopperPearsonUpper, floorN, mean, quantile } from './stats.js';

const flag = process.argv.indexOf('--scale');
const SCALE = Number(flag >= 0 ? process.argv[flag + 1] : (process.env.BENCH_SCALE ?? 1));
if (!(SCALE > 0)) throw new RangeError(`--scale must be a number above 0, got ${process.argv[flag + 1]}`);
const runs = (n: number): number => Math.max(10, Math.round(n * SCALE));
const started = Date.now();
const log = (m: string): void => void process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);
const r3 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(3)) : x);

function runMany(c: LatencyContender, s: LatencySetting, dt: number, n: number, seed0: number): LatencyRun[] {
  const out: LatencyRun[] = [];
  for (let i = 0; i < n; i++) out.push(simulateLatency({ ...s, dt }, c.make(), seed0 + i));
  return out;
}

// The emulated tools act once a minute: minute batches are exact for them, unless requests are observed late.
const othersDt = (s: LatencySetting): number => (s.canaryObserveDelay ? 5 : 60);

// The slow-request threshold ours settles on with the proxy's buckets, and the slow shares there: the floor of
// any test on those counts (at the latency test's share of alpha) is N* for that pair of rates.
const W = 0.1;
const threshold = LAYOUTS.proxy.find((b) => BASE(b) >= 0.99)!;
// N* is the floor of a test on the tail counts alone (the tail test's share of alpha); the median test reads other
// counts, so ours can go below that floor where the body slows too.
const tailAlpha = ALPHA * ALPHA_LATENCY;
// Both latency tests together: what their false rollbacks are held to.
const latencyAlpha = ALPHA * (ALPHA_LATENCY + ALPHA_MEDIAN);

const ours = oursLatency();
const others = [
  flaggerLatency(5, 'Flagger tutorial (threshold 5)'),
  flaggerLatency(1, 'Flagger, threshold 1'),
  kayentaLatency(),
];

// The absolute limit as a hard guard beside the relative test: rollback once > 1 % of canary requests are shown
// slower than 500 ms.
const oursGuarded = oursLatency(
  { thresholds: { maxP99LatencyMs: 500 } },
  true,
  'ours + hard guard maxP99Latency 500 ms',
);

// The threshold fixed in advance from the stable version's history (HISTORY_SECONDS of its traffic before the
// rollout, as the built-in proxy's counters hold it), instead of from its first 200 requests beside the canary.
const oursHistory = oursLatency({}, true, 'ours + threshold from 10 min of stable history', false, true);

// 1. Bad canaries at 100 requests/s, w = 10 %.
const bad: BadLatencyRow[] = [];
REGRESSIONS.forEach((g, gi) => {
  const s = badSetting(g);
  const at = s.layout.find((b) => BASE(b) >= 0.99) ?? s.layout[s.layout.length - 1]!;
  const slowBase = 1 - BASE(at);
  const slowCanary = 1 - g.canary(at);
  const nStar = slowCanary > slowBase * 1.0001 ? floorN(slowBase, slowCanary, W, tailAlpha) : null;
  const oursDt = Math.min(1, Math.max(0.05, 0.1 / (s.rps * W * Math.max(slowCanary, 1e-6))));
  // Ours with the hard p99 guard and ours with history come last so the others keep their seeds.
  [ours, ...others, oursGuarded, oursHistory].forEach((c, ci) => {
    const isOurs = ci === 0 || c === oursGuarded || c === oursHistory;
    const res = runMany(
      c,
      { ...s, control: ci === 3 },
      isOurs ? oursDt : othersDt(s),
      runs(isOurs ? 200 : 100),
      1_000 * gi + 100_000 * ci,
    );
    const hit = res.filter((r) => r.rolledBack);
    const times = hit.map((r) => r.decidedAt!);
    const slow = hit.map((r) => r.slowServed);
    const canaryRequests = mean(hit.map((r) => r.canaryRequests));
    bad.push({
      regression: g.name,
      factor: g.factor,
      extra: g.extra ?? false,
      contender: c.name,
      runs: res.length,
      timeMean: r3(mean(times)),
      timeP95: r3(quantile(times, 0.95)),
      slowMean: r3(mean(slow)),
      slowP95: r3(quantile(slow, 0.95)),
      canaryRequestsMean: r3(canaryRequests),
      missRate: r3(1 - hit.length / res.length),
      promotedRate: r3(res.filter((r) => r.promotedAt !== null).length / res.length),
      latencyCause: isOurs ? r3(hit.filter((r) => r.cause === 'latency').length / Math.max(1, hit.length)) : null,
      nStar: isOurs && nStar !== null ? r3(nStar) : null,
      eta: isOurs && nStar !== null && hit.length > 0 ? r3(canaryRequests / nStar) : null,
      thresholdMs: at,
    });
  });
  log(`bad canary: ${g.name} done`);
});

// 2. Healthy canaries. Ours runs like the engine drives it (5 steps of ≥ 60 s, advancing on "healthy") until it
// promotes or the horizon ends ("watched" rows never stop); the others run to their own promotion or rollback.
const healthy: HealthyLatencyRow[] = HEALTHY.map((h, hi) => {
  const c = h.watch ? oursLatency({}, false) : ours;
  const res = runMany(c, h.setting, h.dt ?? 5, runs(h.runs ?? (h.required ? 1000 : 300)), 500_000 + hi * 10_000);
  const fr = res.filter((r) => r.rolledBack);
  const promoted = res.filter((r) => r.promotedAt !== null);
  const latencyHealthy = res.filter((r) => r.latencyHealthyAt !== null);
  const healthyAt = res.filter((r) => r.healthyAt !== null);
  const othersRows = [
    flaggerLatency(5, others[0]!.name, h.flaggerMaxMs),
    flaggerLatency(1, others[1]!.name, h.flaggerMaxMs),
    kayentaLatency(),
  ].map((o, oi) => {
    const rs = runMany(
      o,
      { ...h.setting, horizon: 4 * 3600, control: oi === 2 },
      othersDt(h.setting),
      runs(200),
      900_000 + hi * 10_000 + oi * 1_000,
    );
    const x = rs.filter((r) => r.rolledBack).length;
    return { contender: o.name, falseRollbacks: x, runs: rs.length, rate: r3(x / rs.length) };
  });
  log(`healthy: ${h.name} done`);
  const upper = clopperPearsonUpper(fr.length, res.length);
  return {
    scenario: h.name,
    required: h.required,
    runs: res.length,
    falseRollbacks: fr.length,
    byLatency: fr.filter((r) => r.cause === 'latency').length,
    rate: r3(fr.length / res.length),
    upper95: r3(upper),
    meetsAlpha: upper <= ALPHA,
    promotedShare: r3(promoted.length / res.length),
    promoteP50: r3(
      quantile(
        promoted.map((r) => r.promotedAt!),
        0.5,
      ),
    ),
    healthyShare: r3(healthyAt.length / res.length),
    healthyP50: r3(
      quantile(
        healthyAt.map((r) => r.healthyAt!),
        0.5,
      ),
    ),
    latencyHealthyShare: r3(latencyHealthy.length / res.length),
    latencyHealthyP50: r3(
      quantile(
        latencyHealthy.map((r) => r.latencyHealthyAt!),
        0.5,
      ),
    ),
    flaggerMaxMs: h.flaggerMaxMs,
    others: othersRows,
  };
});

// All required healthy scenarios together, against the latency test's own share of alpha.
const req = healthy.filter((h) => h.required);
const pooledRuns = req.reduce((a, h) => a + h.runs, 0);
const pooledFalse = req.reduce((a, h) => a + h.falseRollbacks, 0);
const pooled = {
  runs: pooledRuns,
  falseRollbacks: pooledFalse,
  rate: r3(pooledFalse / pooledRuns),
  upper95: r3(clopperPearsonUpper(pooledFalse, pooledRuns)),
  latencyAlpha,
};

// 3. Ours across traffic (w = 10 %): the wait for 200 baseline observations and the batch size matter more when
// traffic is thin.
const sweep = [REGRESSIONS[2]!, REGRESSIONS[4]!].flatMap((g, gi) =>
  [1, 10, 100, 1000].map((rps, ri) => {
    const s = badSetting(g, rps);
    const slowCanary = 1 - g.canary(threshold);
    const dt = Math.min(5, Math.max(0.01, 0.1 / (rps * W * slowCanary)));
    const seed = 700_000 + gi * 10_000 + ri * 1_000;
    const summary = (c: LatencyContender) => {
      const res = runMany(c, s, dt, runs(100), seed);
      const hit = res.filter((r) => r.rolledBack);
      return {
        timeMean: r3(mean(hit.map((r) => r.decidedAt!))),
        slowMean: r3(mean(hit.map((r) => r.slowServed))),
        canaryRequestsMean: r3(mean(hit.map((r) => r.canaryRequests))),
        missRate: r3(1 - hit.length / res.length),
      };
    };
    const wait = 200 / (rps * (1 - W));
    return { regression: g.name, rps, baselineWait: r3(wait), ...summary(ours), history: summary(oursHistory) };
  }),
);
log('traffic sweep done');

// 4. The proposed fix for small slowdowns slipping through (docs/analysis.md), measured beside the default on the
// same seeds: the absolute slack of "healthy" capped at the baseline's own slow share.
const tight = oursLatency({}, true, 'proposal: slack ≤ baseline slow share', true);
const proposal = {
  bad: [0, 1, 7].map((gi) => {
    const g = REGRESSIONS[gi]!;
    const s = badSetting(g);
    const at = s.layout.find((b) => BASE(b) >= 0.99) ?? s.layout[s.layout.length - 1]!;
    const dt = Math.min(1, Math.max(0.05, 0.1 / (s.rps * W * Math.max(1 - g.canary(at), 1e-6))));
    const res = runMany(tight, s, dt, runs(200), 1_000 * gi);
    const hit = res.filter((r) => r.rolledBack);
    const before = bad.find((b) => b.regression === g.name && b.contender === ours.name)!;
    return {
      regression: g.name,
      defaultMiss: before.missRate,
      defaultTime: before.timeMean,
      miss: r3(1 - hit.length / res.length),
      timeMean: r3(mean(hit.map((r) => r.decidedAt!))),
      slowMean: r3(mean(hit.map((r) => r.slowServed))),
    };
  }),
  healthy: HEALTHY.flatMap((h, hi) => {
    if (hi !== 0 && !h.name.startsWith('buckets: coarse')) return [];
    const res = runMany(tight, h.setting, h.dt ?? 5, runs(300), 500_000 + hi * 10_000);
    const promoted = res.filter((r) => r.promotedAt !== null);
    const before = healthy[hi]!;
    return [
      {
        scenario: h.name,
        defaultPromoted: before.promotedShare,
        defaultPromoteP50: before.promoteP50,
        falseRollbacks: res.filter((r) => r.rolledBack).length,
        runs: res.length,
        promoted: r3(promoted.length / res.length),
        promoteP50: r3(
          quantile(
            promoted.map((r) => r.promotedAt!),
            0.5,
          ),
        ),
      },
    ];
  }),
};
log('proposal done');

const seconds = (Date.now() - started) / 1000;
const result = {
  alpha: ALPHA,
  latencyAlpha,
  scale: SCALE,
  seconds,
  baseline: {
    medianMs: 100,
    p99Ms: r3(quantileOf(BASE, 0.99)),
    thresholdMs: threshold,
    slowShare: r3(1 - BASE(threshold)),
  },
  bad,
  healthy,
  pooled,
  sweep,
  proposal,
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');

const root = fileURLToPath(new URL('../../', import.meta.url));
const { tables, charts } = renderLatency(result, [
  ours.name,
  ...others.map((o) => o.name),
  oursGuarded.name,
  oursHistory.name,
]);
process.stdout.write('\n' + tables + '\n');
if (SCALE === 1) {
  mkdirSync(`${root}docs/analysis`, { recursive: true });
  for (const [file, svg] of Object.entries(charts)) writeFileSync(`${root}docs/analysis/${file}`, svg);
  const stamp = `_Generated by \`npx tsx bench/analysis/latency-run.ts\` (scale ${SCALE}, ${r3(seconds)} s wall, ${r3(process.cpuUsage().user / 1e6)} s CPU)._`;
  writeDocSection(`${root}docs/analysis.md`, 'latency-bench', stamp, tables);
}
log('done');
