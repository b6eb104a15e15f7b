import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AnalysisBatch, CountsDelta, Decision } from '../core/measurement.js';
import { createAnalyzer } from './index.js';
import { LineWriter } from './ndjson-writer.js';
import type { AnalyzerOptions } from './options.js';
import { writeRecord } from './record-writer.js';
import { createSequentialAnalyzer } from './sequential.js';
import { resolveOptions } from './options.js';
import { recordEvidence, recordReason, SequentialRecord, T_HEALTHY, T_CONTINUE } from './sequential-record.js';
import { analyzeStream } from './stream.js';

// The hot path of chimera analyze (a record written as bytes) must give exactly the bytes of JSON.stringify of the
// Decision the engine's path (observe) gives, for every verdict and reason template.

// Finite bounds: the histogram goes through JSON text on the way into analyzeStream.
const LE = [10, 50, 100, 100000];
const hist = (n: number, slow: number): CountsDelta['latency'] => ({
  le: LE,
  counts: [0, n - slow, n - slow, n],
  count: n,
  sum: 0,
});

/** One version's counts: small or large batches, error rates from none to a crash. */
const counts = (maxRequests: number): fc.Arbitrary<CountsDelta> =>
  fc
    .tuple(fc.nat(maxRequests), fc.constantFrom(0, 0, 0.01, 0.1, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([requests, rate, u]) => ({ requests, errors: Math.min(requests, Math.floor(requests * rate + u)) }));

const batches = fc.array(fc.tuple(counts(60), counts(600)), { minLength: 1, maxLength: 60 });

const optionSets: Array<Partial<AnalyzerOptions>> = [
  {},
  { alpha: 0.05, tolerance: 0.2, minRequests: 10 },
  { alpha: 0.1, tolerance: 1, minRequests: 1 },
  { alpha: 0.001, minRequests: 200 },
];

/** `,"decision":…}\n`: JSON.stringify of an output line without its id and t. */
function expectedTail(d: Decision): string {
  const whole = JSON.stringify({ id: 0, t: 0, decision: d.verdict, reason: d.reason, evidence: d.evidence });
  return whole.slice('{"id":0,"t":0'.length) + '\n';
}

describe('sequential record path', () => {
  it('gives the engine path decisions, states and JSON bytes for random streams (every verdict and template)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(batches, fc.nat(optionSets.length - 1), (bs, k) => {
        const options = resolveOptions(optionSets[k]);
        const engine = createSequentialAnalyzer(options);
        const fast = createSequentialAnalyzer(options);
        let s = engine.initial();
        const mine = fast.initial();
        const rec = new SequentialRecord();
        bs.forEach(([canary, baseline], i) => {
          const batch: AnalysisBatch = { t: i, canary, baseline };
          const r = engine.observe(s, batch);
          s = r.state;
          const d = fast.observeRecord(mine, batch, rec);
          if (d === null) {
            seen.add(`${r.decision.verdict}/${rec.template >= T_HEALTHY ? rec.why : '-'}`);
            expect(recordReason(rec)).toBe(r.decision.reason);
            expect(JSON.stringify(recordEvidence(rec))).toBe(JSON.stringify(r.decision.evidence));
            const out = new LineWriter(16);
            writeRecord(out, rec);
            expect(out.buf.toString('utf8', 0, out.used)).toBe(expectedTail(r.decision));
          } else {
            seen.add(d.verdict);
            expect(JSON.stringify(d)).toBe(JSON.stringify(r.decision));
          }
          expect(JSON.stringify(mine)).toBe(JSON.stringify(s));
        });
      }),
      { numRuns: 300, seed: 7 },
    );
    // Every verdict and every "why" of healthy / continue came up.
    for (const v of ['rollback', 'inconclusive/-', 'healthy/0', 'healthy/1', 'continue/2']) expect(seen).toContain(v);
    expect(T_CONTINUE).toBe(3);
  });

  it('writes ∞, null share and null ratio bound as JSON.stringify does', () => {
    const rec = new SequentialRecord();
    Object.assign(rec, { template: T_HEALTHY, why: 0, cr: 5, br: 0, share: NaN, ratioUpper: NaN, eValue: 1.5e300 });
    Object.assign(rec, { levelText: '112', toleranceText: '1.5', minRequestsText: '50', logE: 800 });
    const out = new LineWriter(8);
    writeRecord(out, rec);
    const d: Decision = { verdict: 'healthy', reason: recordReason(rec), evidence: recordEvidence(rec) };
    expect(d.reason).toContain('ratio bound ∞');
    expect(out.buf.toString('utf8', 0, out.used)).toBe(expectedTail(d));
  });
});

/** The lines analyzeStream writes for `lines`, and what JSON.stringify of the engine's decisions gives. */
async function both(
  lines: Array<{ id: string | number; t: number; batch: AnalysisBatch; spaced: boolean }>,
  options: Partial<AnalyzerOptions>,
) {
  // A spaced line is not in the shape read in place: it goes through JSON.parse, and must reach the same stream.
  const text = lines.map((l) => {
    const json = JSON.stringify({ id: l.id, t: l.t, canary: l.batch.canary, baseline: l.batch.baseline });
    return l.spaced ? json.replace(',"canary"', ', "canary"') : json;
  });
  const input = text.join('\n') + '\n';
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  await analyzeStream(PassThrough.from([Buffer.from(input)]), output, options);
  const analyzer = createAnalyzer(options);
  const states = new Map<string | number, unknown>();
  const expected = lines.map((l) => {
    const r = analyzer.observe(states.get(l.id) ?? analyzer.initial(), l.batch);
    states.set(l.id, r.state);
    const d = r.decision;
    return JSON.stringify({ id: l.id, t: l.t, decision: d.verdict, reason: d.reason, evidence: d.evidence }) + '\n';
  });
  return { actual: Buffer.concat(chunks).toString('utf8'), expected: expected.join('') };
}

describe('analyzeStream output', () => {
  const modes: Array<[string, Partial<AnalyzerOptions>]> = [
    ['sequential', {}],
    ['sequential with guards', { alpha: 0.05, thresholds: { maxErrorRate: 0.05, maxP99LatencyMs: 50 } }],
    ['threshold', { mode: 'threshold', thresholds: { maxErrorRate: 0.05 } }],
    ['compare', { mode: 'compare' }],
  ];
  for (const [name, options] of modes) {
    it(`is JSON.stringify of the engine's decisions for random interleaved streams (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(
              fc.constantFrom<string | number>('a', 'b', 'c', 'a1', 'a10', 1, '1'),
              counts(60),
              counts(600),
              fc.boolean(),
              fc.nat(60),
              fc.boolean(),
            ),
            {
              minLength: 1,
              maxLength: 80,
            },
          ),
          async (rows) => {
            const lines = rows.map(([id, canary, baseline, latency, slow, spaced], t) => ({
              id,
              t,
              spaced,
              batch: {
                t,
                // Stream "c" reports latency histograms: the sequential analyzer's latency test (not the record path).
                canary:
                  id === 'c' && latency
                    ? { ...canary, latency: hist(canary.requests, Math.min(slow, canary.requests)) }
                    : canary,
                baseline: id === 'c' && latency ? { ...baseline, latency: hist(baseline.requests, 0) } : baseline,
              },
            }));
            const { actual, expected } = await both(lines, options);
            expect(actual).toBe(expected);
          },
        ),
        { numRuns: 60, seed: 11 },
      );
    });
  }
});

describe('streams found by the bytes of their id', () => {
  it('keeps apart two ids whose bytes hash alike', async () => {
    // FNV-1a as parseFast computes it; a collision among a few hundred thousand ids (birthday bound).
    const fnv = (s: string): number => {
      let h = 0x811c9dc5;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      return h;
    };
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null && i < 2_000_000; i++) {
      const id = `s${i}`;
      const other = seen.get(fnv(id));
      if (other !== undefined) pair = [other, id];
      else seen.set(fnv(id), id);
    }
    expect(pair).not.toBeNull();
    const [x, y] = pair!;
    const lines = [];
    for (let t = 0; t < 30; t++) {
      const bad = { t, canary: { requests: 10, errors: 10 }, baseline: { requests: 90, errors: 0 } };
      const good = { t, canary: { requests: 10, errors: 0 }, baseline: { requests: 90, errors: 1 } };
      lines.push({ id: x, t, batch: bad, spaced: false }, { id: y, t, batch: good, spaced: t % 3 === 0 });
    }
    const { actual, expected } = await both(lines, {});
    expect(actual).toBe(expected);
    expect(actual).not.toContain(`"id":"${y}","t":29,"decision":"rollback"`);
    expect(actual).toContain(`"id":"${y}","t":29,"decision":"`);
  });
});
