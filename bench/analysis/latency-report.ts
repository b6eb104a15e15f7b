import { barChart, lineChart, type Series } from './svg.js';

/** One regression × analyzer: time to rollback, slow canary requests served before it, misses. */
export interface BadLatencyRow {
  regression: string;
  factor: number | null;
  extra: boolean;
  contender: string;
  runs: number;
  timeMean: number;
  timeP95: number;
  /** Canary requests slower than the baseline's p99 served before the rollback (expected count). */
  slowMean: number;
  slowP95: number;
  canaryRequestsMean: number;
  missRate: number;
  promotedRate: number;
  /** Ours: share of rollbacks the latency test made (the rest: the error test by chance). */
  latencyCause: number | null;
  nStar: number | null;
  eta: number | null;
  /** The slow-request threshold ours settles on with this row's buckets (the floor is computed there). */
  thresholdMs: number;
}

export interface HealthyLatencyRow {
  scenario: string;
  required: boolean;
  runs: number;
  falseRollbacks: number;
  byLatency: number;
  rate: number;
  upper95: number;
  meetsAlpha: boolean;
  promotedShare: number;
  promoteP50: number;
  healthyShare: number;
  healthyP50: number;
  latencyHealthyShare: number;
  latencyHealthyP50: number;
  flaggerMaxMs: number;
  others: Array<{ contender: string; falseRollbacks: number; runs: number; rate: number }>;
}

export interface LatencyResult {
  alpha: number;
  baseline: { medianMs: number; p99Ms: number; thresholdMs: number; slowShare: number };
  bad: BadLatencyRow[];
  healthy: HealthyLatencyRow[];
  pooled: { runs: number; falseRollbacks: number; rate: number; upper95: number; latencyAlpha: number };
  sweep: Array<{
    regression: string;
    rps: number;
    baselineWait: number;
    timeMean: number;
    slowMean: number;
    canaryRequestsMean: number;
    missRate: number;
    /** The same runs' seeds with the threshold fixed from the stable version's history. */
    history: { timeMean: number; slowMean: number; canaryRequestsMean: number; missRate: number };
  }>;
  proposal: {
    bad: Array<{
      regression: string;
      defaultMiss: number;
      defaultTime: number;
      miss: number;
      timeMean: number;
      slowMean: number;
    }>;
    healthy: Array<{
      scenario: string;
      defaultPromoted: number;
      defaultPromoteP50: number;
      falseRollbacks: number;
      runs: number;
      promoted: number;
      promoteP50: number;
    }>;
  };
}

const pct = (x: number): string => `${Number((x * 100).toPrecision(3))}%`;
const secs = (s: number): string =>
  !Number.isFinite(s) ? '–' : s < 120 ? `${Number(s.toPrecision(3))} s` : `${Number((s / 60).toPrecision(3))} min`;
const n = (x: number | null): string => (x === null || !Number.isFinite(x) ? '–' : String(x));
const share = (x: number, t: number): string => (x === 0 ? '0%' : `${pct(x)} (${secs(t)})`);

/** Markdown tables and SVG charts (file name → content) of a latency run. */
export function renderLatency(r: LatencyResult, names: string[]): { tables: string; charts: Record<string, string> } {
  const ours = names[0]!;
  const md: string[] = [];
  md.push(
    `#### Latency regressions (100 requests/s, w = 10 %, baseline median 100 ms, p99 ${r.baseline.p99Ms} ms, alpha = ${r.alpha})`,
    '',
    `Ours fixes its slow-request threshold at the ${r.baseline.thresholdMs} ms bucket (the baseline's slow share ` +
      `there: ${pct(r.baseline.slowShare)}). "Slow served" = canary requests slower than the baseline's p99 served ` +
      'before the rollback. Missed = not rolled back (promoted, or undecided after 3 h). N\\* is the floor of any ' +
      'test on the slow counts at that threshold (at the latency test’s alpha share, 0.1 %).',
    '',
    '| regression | analyzer | time to rollback: mean | p95 | slow served: mean | p95 | canary requests | missed (promoted) | N\\* | eta |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  let last = '';
  for (const b of r.bad) {
    const first = b.regression !== last;
    last = b.regression;
    const name = b.contender === ours ? `**${b.contender}**` : b.contender;
    const miss = b.missRate === 0 ? '0%' : `${pct(b.missRate)} (${pct(b.promotedRate)})`;
    md.push(
      `| ${first ? b.regression : ''} | ${name} | ${secs(b.timeMean)} | ${secs(b.timeP95)} | ${n(b.slowMean)} | ${n(b.slowP95)} | ${n(b.canaryRequestsMean)} | ${miss} | ${n(b.nStar)} | ${n(b.eta)} |`,
    );
  }
  const otherNames = r.healthy[0]?.others.map((o) => o.contender) ?? [];
  md.push(
    '',
    `#### Healthy canaries: false rollbacks (alpha = ${r.alpha})`,
    '',
    'Ours: false rollbacks (of them, by the latency test), the 95 % Clopper–Pearson upper bound, and the time to ' +
      'the first "healthy", to the latency test alone showing the canary within tolerance, and to promotion ' +
      '(5 steps of ≥ 60 s). The others run to their own promotion or rollback; Flagger’s fixed limit is set as a ' +
      'user would (the first round number of the 1-2.5-5 series ≥ 1.5 × the true p99).',
    '',
    `| scenario | ours: false rollbacks (latency) | 95 % upper bound | ≤ alpha | first "healthy" (p50) | latency within tolerance (p50) | promoted (p50) | Flagger limit | ${otherNames.join(' | ')} |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | ${otherNames.map(() => '---').join(' | ')} |`,
  );
  for (const h of r.healthy) {
    md.push(
      `| ${h.scenario} | ${h.falseRollbacks}/${h.runs} (${h.byLatency}) | ${pct(h.upper95)} | ${h.meetsAlpha ? 'yes' : '**no**'} | ${share(h.healthyShare, h.healthyP50)} | ${share(h.latencyHealthyShare, h.latencyHealthyP50)} | ${share(h.promotedShare, h.promoteP50)} | ${h.flaggerMaxMs} ms | ${h.others.map((o) => pct(o.rate)).join(' | ')} |`,
    );
  }
  const p = r.pooled;
  md.push(
    '',
    `Pooled over the required scenarios: ${p.falseRollbacks}/${p.runs} = ${pct(p.rate)} false rollbacks, 95 % upper ` +
      `bound ${pct(p.upper95)} (the latency tests' own share of alpha, tail and median together, is ${pct(p.latencyAlpha)}; the rest ` +
      'belongs to the error test and the guards).',
    '',
    '#### Ours across traffic (w = 10 %)',
    '',
    'Beside each row, the same seeds with the threshold fixed in advance from 10 minutes of the stable ' +
      "version's history (what the built-in proxy's counters hold when a rollout starts): no wait.",
    '',
    '| regression | requests/s | wait for 200 baseline observations | time to rollback | slow served | canary requests | missed | with history: time to rollback | slow served | canary requests | missed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const x of r.sweep) {
    const h = x.history;
    md.push(
      `| ${x.regression} | ${x.rps} | ${secs(x.baselineWait)} | ${secs(x.timeMean)} | ${n(x.slowMean)} | ${n(x.canaryRequestsMean)} | ${pct(x.missRate)} | ${secs(h.timeMean)} | ${n(h.slowMean)} | ${n(h.canaryRequestsMean)} | ${pct(h.missRate)} |`,
    );
  }
  md.push(
    '',
    '#### Proposal measured: "healthy" slack capped at the baseline\'s slow share',
    '',
    'Same seeds; only the "healthy" rule differs (limit = (1 + latencyTolerance) × baseline slow share + min(1 pp, ' +
      'baseline slow share)); rollbacks are the analyzer’s own. Healthy runs stop at promotion or after 1 h.',
    '',
    '| case | default: missed / promoted | default: time | proposal: missed / promoted | proposal: time | proposal: slow served |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const x of r.proposal.bad) {
    md.push(
      `| ${x.regression} | ${pct(x.defaultMiss)} missed | ${secs(x.defaultTime)} to rollback | ${pct(x.miss)} missed | ${secs(x.timeMean)} to rollback | ${n(x.slowMean)} |`,
    );
  }
  for (const x of r.proposal.healthy) {
    md.push(
      `| healthy: ${x.scenario} | ${pct(x.defaultPromoted)} promoted | ${secs(x.defaultPromoteP50)} (p50) | ${pct(x.promoted)} promoted, ${x.falseRollbacks}/${x.runs} rolled back | ${secs(x.promoteP50)} (p50) | |`,
    );
  }

  const series = (key: 'timeMean' | 'slowMean'): Series[] =>
    names.map((name, i) => ({
      name,
      points: r.bad
        .filter((b) => b.contender === name && b.factor !== null && b.missRate < 0.5)
        .map((b): [number, number] => [b.factor!, b[key]]),
      dashed: i > 0,
    }));
  const short = (s: string): string => s.replace(/ \(.*\)$/, '').replace(/^extra: /, '');
  const charts: Record<string, string> = {
    'latency-time-to-rollback.svg': lineChart(
      'Latency regression: time to rollback (100 req/s, w = 10 %)',
      'canary latency ÷ baseline latency (p50 and p99 alike)',
      'seconds (mean)',
      series('timeMean'),
    ),
    'latency-slow-requests.svg': lineChart(
      'Latency regression: slow canary requests served before rollback',
      'canary latency ÷ baseline latency (p50 and p99 alike)',
      'requests slower than the baseline p99 (mean)',
      series('slowMean'),
    ),
    'latency-false-rollbacks-ours.svg': barChart(
      'Ours: false-rollback rate with 95 % Clopper–Pearson upper bound (latency scenarios)',
      'false rollbacks',
      r.healthy.map((h) => short(h.scenario)),
      [{ name: ours, values: r.healthy.map((h) => h.rate), upper: r.healthy.map((h) => h.upper95) }],
      { value: r.alpha, label: `alpha = ${pct(r.alpha)}` },
    ),
    'latency-false-rollbacks.svg': barChart(
      'False-rollback rate of healthy canaries (latency scenarios)',
      'false rollbacks',
      r.healthy.map((h) => short(h.scenario)),
      [
        {
          name: ours,
          values: r.healthy.map((h) => h.rate),
          upper: r.healthy.map((h) => h.upper95),
        },
        ...otherNames.map((o) => ({
          name: o,
          values: r.healthy.map((h) => h.others.find((x) => x.contender === o)!.rate),
        })),
      ],
      { value: r.alpha, label: `alpha = ${pct(r.alpha)}` },
    ),
  };
  return { tables: md.join('\n'), charts };
}
