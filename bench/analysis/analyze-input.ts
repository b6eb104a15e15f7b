/**
 * Seeded NDJSON input for `chimera analyze`: many interleaved streams (healthy, slightly worse, bad and crashing
 * canaries, thin traffic, weight steps), a few with latency histograms or quantiles, and malformed lines of every
 * kind the parser must answer with an error line. Used to check that a faster `analyzeStream` answers every line
 * exactly as before (bench/analysis/analyze-equivalence.ts).
 */
import { rng } from '../../src/testing/analysis-sim.js';

const MALFORMED = [
  '',
  '   ',
  'not json',
  '{"id":"x1","t":1,"canary":{"requests":10,"errors":1},"baseline":{"requests":90,"errors":0}',
  '[1,2,3]',
  'null',
  '42',
  '{"t":1,"canary":{"requests":10,"errors":1},"baseline":{"requests":90,"errors":0}}',
  '{"id":true,"t":1,"canary":{"requests":10,"errors":1},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":"soon","canary":{"requests":10,"errors":1},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":null,"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":{"requests":10,"errors":11},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":{"requests":-1,"errors":0},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":{"requests":1.5,"errors":0},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":{"requests":10},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":{"requests":10,"errors":"1"},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1e999,"canary":{"requests":10,"errors":1},"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":[],"baseline":{"requests":90,"errors":0}}',
  '{"id":"m1","t":1,"canary":{"requests":10,"errors":1},"baseline":{"requests":90,"errors":0}} trailing',
  '\u00e9\u00e8',
];

/** `lines` lines over `streams` streams, deterministic for a seed. Lines are joined with "\n" (some end in "\r"). */
export function analyzeInput(lines: number, streams: number, seed = 7): string {
  const r = rng(seed);
  // Per stream: canary error rate, baseline error rate, requests per batch, canary weight, id style.
  const kinds = Array.from({ length: streams }, (_, s) => {
    const base = [0, 0.001, 0.01, 0.05][s % 4]!;
    const factor = [1, 1, 1, 1, 1.2, 2, 5, 30][Math.floor(r() * 8)]!;
    const crash = r() < 0.03;
    return {
      id: s % 7 === 3 ? String(s) : s % 11 === 5 ? `${s}` : `s${s}`,
      numericId: s % 13 === 6,
      canaryRate: crash ? 1 : Math.min(1, base * factor),
      baseRate: base,
      perBatch: [0, 1, 3, 10, 100, 1000][Math.floor(r() * 6)]!,
      weight: [0.05, 0.1, 0.25, 0.5][Math.floor(r() * 4)]!,
      latency: s % 17 === 4 ? 'histogram' : s % 19 === 7 ? 'quantiles' : null,
      slow: r() < 0.5,
      noT: s % 23 === 9,
    };
  });
  const binom = (n: number, p: number): number => {
    if (p <= 0) return 0;
    if (p >= 1) return n;
    let k = 0;
    for (let i = 0; i < n; i++) if (r() < p) k++;
    return k;
  };
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    if (r() < 0.002) {
      out.push(MALFORMED[Math.floor(r() * MALFORMED.length)]!);
      continue;
    }
    const s = Math.floor(r() * streams);
    const k = kinds[s]!;
    // Weight steps now and then, and batches that vary around the stream's size.
    const n = Math.floor(k.perBatch * (0.5 + r()));
    const w = r() < 0.01 ? Math.min(0.9, k.weight * 2) : k.weight;
    const cn = binom(n, w);
    const bn = n - cn;
    const ce = binom(cn, k.canaryRate);
    const be = binom(bn, k.baseRate);
    const id = k.numericId ? String(s) : JSON.stringify(k.id);
    const t = (i / 100).toFixed(r() < 0.5 ? 2 : 0);
    let extraC = '';
    let extraB = '';
    if (k.latency === 'histogram') {
      const hist = (count: number, slow: boolean): string => {
        const c1 = Math.floor(count * (slow ? 0.8 : 0.9));
        const c2 = Math.floor(count * (slow ? 0.95 : 0.995));
        return `,"latency":{"le":[50,100,250,500],"counts":[${c1},${c2},${count},${count}],"count":${count},"sum":${count * 40}}`;
      };
      extraC = hist(cn, k.slow);
      extraB = hist(bn, false);
    } else if (k.latency === 'quantiles') {
      extraC = `,"quantiles":{"p50":${20 + Math.floor(r() * 10)},"p99":${k.slow ? 400 : 120}}`;
      extraB = `,"quantiles":{"p50":20,"p99":120}`;
    }
    let line = k.noT
      ? `{"id":${id},"canary":{"requests":${cn},"errors":${ce}${extraC}},"baseline":{"requests":${bn},"errors":${be}${extraB}}}`
      : `{"id":${id},"t":${t},"canary":{"requests":${cn},"errors":${ce}${extraC}},"baseline":{"requests":${bn},"errors":${be}${extraB}}}`;
    // Other shapes the same JSON can take: spaces, reordered keys, CRLF, extra fields.
    const shape = r();
    if (shape < 0.01) line = line.replace(/,/g, ', ').replace(/:/g, ': ');
    else if (shape < 0.02)
      line = `{"canary":{"errors":${ce},"requests":${cn}},"baseline":{"requests":${bn},"errors":${be}},"id":${id},"t":${t}}`;
    else if (shape < 0.03) line += '\r';
    else if (shape < 0.04) line = line.replace('{"id"', '{"extra":[1,{"a":2}],"id"');
    else if (shape < 0.045) line = line.replace(`"t":${t}`, `"t":${Number(t)}e0`);
    else if (shape < 0.05) line = line.replace(`"errors":${ce}`, `"errors":${ce}.0`);
    out.push(line);
  }
  return out.join('\n') + '\n';
}
