/**
 * The analysis benchmark: simulated canaries judged side by side by Chimera's sequential analysis, the oracle SPRT,
 * Flagger, Argo Rollouts, Kayenta and the original Chimera; the floor N* beside them. Seeded and deterministic.
 *
 *   npx tsx bench/analysis/run.ts            # full run (under 2 minutes on an idle 2-core machine)
 *   BENCH_SCALE=0.2 npx tsx bench/analysis/run.ts   # quick look
 *
 * Prints JSON then markdown tables; writes docs/analysis/*.svg and the tables into docs/analysis.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeDocSection } from './doc-section.js';
import { fileURLToPath } from 'node:url';
import { argo, flagger, kayenta, oracle, ours, runMany, seed, type Contender } from './judges.js';
import { ALPHA, BAD_RATES, HEALTHY, P0, bad } from './scenarios.js';
import { clopperPearsonUpper, floorN, mean, quantile } from './stats.js';
import { barChart, lineChart } from './svg.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const runs = (n: number): number => Math.max(10, Math.round(n * SCALE));
const started = Date.now();
const log = (m: string): void => void process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

const r1 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(3)) : x);

interface BadRow {
  pc: number;
  ratio: number;
  contender: string;
  runs: number;
  failedMean: number;
  failedP50: number;
  failedP95: number;
  canaryRequestsMean: number;
  timeMean: number;
  missRate: number;
  eta: number | null;
}

function badRow(c: Contender, pc: number, rps: number, w: number, n: number, seed0: number, delay = 0): BadRow {
  const res = runMany(c, { ...bad(pc, rps, w), delay }, n, seed0);
  const hit = res.filter((r) => r.rolledBack);
  const nStar = floorN(P0, pc, w, ALPHA);
  return {
    pc,
    ratio: pc / P0,
    contender: c.name,
    runs: n,
    failedMean: r1(mean(hit.map((r) => r.failed))),
    failedP50: quantile(
      hit.map((r) => r.failed),
      0.5,
    ),
    failedP95: quantile(
      hit.map((r) => r.failed),
      0.95,
    ),
    canaryRequestsMean: r1(mean(hit.map((r) => r.canaryRequests))),
    timeMean: r1(mean(hit.map((r) => r.decidedAt!))),
    missRate: r1(1 - hit.length / n),
    eta: c.realistic && hit.length > 0 ? r1(mean(hit.map((r) => r.canaryRequests)) / nStar) : null,
  };
}

// 1. Bad canaries at 100 requests/s, w = 10 %, every contender.
const contenders: Contender[] = [
  ours(),
  oracle(ALPHA),
  flagger(5, 'Flagger tutorial (threshold 5)'),
  flagger(1, 'Flagger, threshold 1'),
  argo(),
  kayenta(),
  seed(10),
];
const badRows: BadRow[] = [];
for (const pc of BAD_RATES) {
  contenders.forEach((c, ci) =>
    badRows.push(badRow(c, pc, 100, 0.1, runs(ci === 0 ? 300 : 100), 10_000 * ci + pc * 1e6)),
  );
  log(`bad canary ${pc * 100}% done`);
}
const floors = BAD_RATES.map((pc) => ({
  pc,
  ratio: pc / P0,
  nStar: r1(floorN(P0, pc, 0.1, ALPHA)),
  failedAtNStar: r1(floorN(P0, pc, 0.1, ALPHA) * pc),
}));

// 2. Ours across traffic and split, with the floor; and the cost of an observation delay.
const sweep: Array<{
  pc: number;
  rps: number;
  w: number;
  failedMean: number;
  canaryRequestsMean: number;
  nStar: number;
  eta: number | null;
  timeMean: number;
}> = [];
for (const pc of [0.05, 1]) {
  for (const rps of [1, 10, 100, 1000]) {
    for (const w of [0.01, 0.1, 0.5]) {
      const row = badRow(ours(), pc, rps, w, runs(100), 77_000 + rps * 10 + w * 1000);
      sweep.push({
        pc,
        rps,
        w,
        failedMean: row.failedMean,
        canaryRequestsMean: row.canaryRequestsMean,
        nStar: r1(floorN(P0, pc, w, ALPHA)),
        eta: row.eta,
        timeMean: row.timeMean,
      });
    }
  }
}
log('sweep done');
const delayed = [0, 15, 30].map((d) => ({ delay: d, ...badRow(ours(), 1, 100, 0.1, runs(100), 91_000, d) }));

// 3. Healthy canaries: ours runs like the engine drives it (5 steps of ≥ 60 s, advancing on "healthy") until it
// promotes, or for an hour when it cannot promote; each other tool runs to its own promotion or rollback.
const healthyRows = HEALTHY.map((h, hi) => {
  const res = runMany(ours(), h.setting, runs(h.required ? 2000 : 300), 200_000 + hi * 5000, h.dt ?? 5);
  const fr = res.filter((r) => r.rolledBack).length;
  const promoted = res.filter((r) => r.promotedAt !== null);
  const others = contenders
    .filter((c) => c.realistic && c.name !== contenders[0]!.name)
    .map((c, ci) => {
      const res = runMany(c, { ...h.setting, horizon: 4 * 3600 }, runs(200), 400_000 + hi * 5000 + ci * 500);
      const x = res.filter((r) => r.rolledBack).length;
      return { contender: c.name, falseRollbacks: x, runs: res.length, rate: r1(x / res.length) };
    });
  log(`healthy: ${h.name} done`);
  return {
    scenario: h.name,
    required: h.required,
    runs: res.length,
    falseRollbacks: fr,
    rate: r1(fr / res.length),
    upper95: r1(clopperPearsonUpper(fr, res.length)),
    meetsAlpha: clopperPearsonUpper(fr, res.length) <= ALPHA,
    promotedShare: r1(promoted.length / res.length),
    timeToPromoteP50: r1(
      quantile(
        promoted.map((r) => r.promotedAt!),
        0.5,
      ),
    ),
    others,
  };
});

// 4. Targets of issue 3.
const oursAt = (pc: number): BadRow => badRows.find((r) => r.pc === pc && r.contender === contenders[0]!.name)!;
const flaggerCrash = badRows.find((r) => r.pc === 1 && r.contender.startsWith('Flagger tutorial'))!;
const targets = {
  etaAtRatiosFrom5: BAD_RATES.filter((pc) => pc / P0 >= 5).map((pc) => ({
    ratio: pc / P0,
    eta: oursAt(pc).eta,
    met: (oursAt(pc).eta ?? Infinity) <= 1.5,
  })),
  crashFailedMean: { value: oursAt(1).failedMean, met: oursAt(1).failedMean <= 3 },
  healthyWithinAlpha: healthyRows
    .filter((h) => h.required)
    .map((h) => ({ scenario: h.scenario, upper95: h.upper95, met: h.meetsAlpha })),
  vsFlaggerCrash: {
    factor: r1(flaggerCrash.failedMean / oursAt(1).failedMean),
    met: flaggerCrash.failedMean / oursAt(1).failedMean >= 100,
  },
};

const result = {
  alpha: ALPHA,
  p0: P0,
  scale: SCALE,
  seconds: (Date.now() - started) / 1000,
  floors,
  bad: badRows,
  sweep,
  delayed,
  healthy: healthyRows,
  targets,
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');

// Markdown tables.
const pct = (x: number): string => `${r1(x * 100)}%`;
const secs = (s: number): string => (!Number.isFinite(s) ? '–' : s < 120 ? `${r1(s)} s` : `${r1(s / 60)} min`);
const md: string[] = [];
md.push('### Bad canaries (100 requests/s, w = 10 %, baseline 0.1 %, alpha = 0.01)', '');
md.push(
  '| canary errors (ratio) | analyzer | failed mean | p50 | p95 | canary requests | time to rollback | missed | eta |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
);
for (const pc of BAD_RATES) {
  const f = floors.find((x) => x.pc === pc)!;
  md.push(`| ${pct(pc)} (${pc / P0}×) | **floor N\\*** | ${f.failedAtNStar} | | | ${f.nStar} | | | 1 |`);
  for (const r of badRows.filter((x) => x.pc === pc)) {
    const name = r.contender === contenders[0]!.name ? `**${r.contender}**` : r.contender;
    md.push(
      `| | ${name} | ${Number.isNaN(r.failedMean) ? '–' : r.failedMean} | ${Number.isNaN(r.failedP50) ? '–' : r.failedP50} | ${Number.isNaN(r.failedP95) ? '–' : r.failedP95} | ${Number.isNaN(r.canaryRequestsMean) ? '–' : r.canaryRequestsMean} | ${secs(r.timeMean)} | ${pct(r.missRate)} | ${r.eta ?? '–'} |`,
    );
  }
}
md.push('', '### Healthy canaries: false rollbacks (alpha = 0.01)', '');
const otherNames = healthyRows[0]!.others.map((o) => o.contender);
md.push(
  `| scenario | ours: false rollbacks | 95 % upper bound | ≤ alpha | ours promoted (p50 time) | ${otherNames.join(' | ')} |`,
  `| --- | --- | --- | --- | --- | ${otherNames.map(() => '---').join(' | ')} |`,
);
for (const h of healthyRows) {
  md.push(
    `| ${h.scenario} | ${h.falseRollbacks}/${h.runs} | ${pct(h.upper95)} | ${h.meetsAlpha ? 'yes' : '**no**'} | ${pct(h.promotedShare)} (${secs(h.timeToPromoteP50)}) | ${h.others.map((o) => pct(o.rate)).join(' | ')} |`,
  );
}
md.push('', '### Ours across traffic and split (canary fails 5 % or 100 %)', '');
md.push(
  '| canary errors | requests/s | w | failed mean | canary requests | floor N\\* | eta | time |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
);
for (const s of sweep)
  md.push(
    `| ${pct(s.pc)} | ${s.rps} | ${pct(s.w)} | ${s.failedMean} | ${s.canaryRequestsMean} | ${s.nStar} | ${s.eta ?? '–'} | ${secs(s.timeMean)} |`,
  );
md.push('', '### Observation delay (crashing canary, 100 requests/s, w = 10 %)', '');
md.push('| delay | failed mean | p95 |', '| --- | --- | --- |');
for (const d of delayed) md.push(`| ${d.delay} s | ${d.failedMean} | ${d.failedP95} |`);
md.push('', '### Targets', '');
md.push('| target | measured | met |', '| --- | --- | --- |');
for (const e of targets.etaAtRatiosFrom5)
  md.push(`| eta ≤ 1.5 at ratio ${e.ratio}× | ${e.eta} | ${e.met ? 'yes' : '**no**'} |`);
md.push(
  `| crash: ≤ 3 failed requests on average | ${targets.crashFailedMean.value} | ${targets.crashFailedMean.met ? 'yes' : '**no**'} |`,
);
for (const h of targets.healthyWithinAlpha)
  md.push(
    `| false rollbacks ≤ alpha (95 % upper bound), ${h.scenario} | ${pct(h.upper95)} | ${h.met ? 'yes' : '**no**'} |`,
  );
md.push(
  `| ≥ 100× fewer failed requests than the Flagger tutorial, crash | ${targets.vsFlaggerCrash.factor}× | ${targets.vsFlaggerCrash.met ? 'yes' : '**no**'} |`,
);
const tables = md.join('\n');
process.stdout.write('\n' + tables + '\n');

// Charts and docs.
const root = fileURLToPath(new URL('../../', import.meta.url));
mkdirSync(`${root}docs/analysis`, { recursive: true });
const byContender = (
  key: 'failedMean' | 'timeMean',
): Array<{ name: string; points: Array<[number, number]>; dashed?: boolean }> => [
  ...contenders.map((c) => ({
    name: c.name,
    points: badRows
      .filter((r) => r.contender === c.name && r.missRate < 0.5)
      .map((r): [number, number] => [r.ratio, r[key]]),
    dashed: !c.realistic,
  })),
  ...(key === 'failedMean'
    ? [{ name: 'floor N*', points: floors.map((f): [number, number] => [f.ratio, f.failedAtNStar]), dashed: true }]
    : []),
];
writeFileSync(
  `${root}docs/analysis/failed-requests.svg`,
  lineChart(
    'Failed requests before rollback (100 req/s, w = 10 %)',
    'canary / baseline error ratio',
    'failed requests (mean)',
    byContender('failedMean'),
  ),
);
writeFileSync(
  `${root}docs/analysis/time-to-decision.svg`,
  lineChart(
    'Time to rollback (100 req/s, w = 10 %)',
    'canary / baseline error ratio',
    'seconds (mean)',
    byContender('timeMean'),
  ),
);
const shortName = (s: string): string =>
  s
    .replace(/ \(.*\)$/, '')
    .replace(/^extra: /, '')
    .replace(/, 10 min$/, '');
const required = healthyRows.filter((h) => h.required);
writeFileSync(
  `${root}docs/analysis/false-rollbacks.svg`,
  barChart(
    'Ours: false-rollback rate with 95 % Clopper–Pearson upper bound',
    'false rollbacks',
    required.map((h) => shortName(h.scenario)),
    [{ name: 'Chimera sequential (ours)', values: required.map((h) => h.rate), upper: required.map((h) => h.upper95) }],
    { value: ALPHA, label: 'alpha = 1%' },
  ),
);
writeFileSync(
  `${root}docs/analysis/false-rollbacks-all.svg`,
  barChart(
    'False-rollback rate of healthy canaries, every analyzer',
    'false rollbacks',
    healthyRows.map((h) => shortName(h.scenario)),
    [
      {
        name: 'Chimera sequential (ours)',
        values: healthyRows.map((h) => h.rate),
        upper: healthyRows.map((h) => h.upper95),
      },
      ...otherNames.map((n) => ({
        name: n,
        values: healthyRows.map((h) => h.others.find((o) => o.contender === n)!.rate),
      })),
    ],
    { value: ALPHA, label: 'alpha = 1%' },
  ),
);
const stamp = `_Generated by \`npx tsx bench/analysis/run.ts\` (scale ${SCALE}, ${r1((Date.now() - started) / 1000)} s)._`;
writeDocSection(`${root}docs/analysis.md`, 'bench', stamp, tables);
log('done');
