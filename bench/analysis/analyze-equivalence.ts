/**
 * Equivalence check for `chimera analyze`: runs the seeded input of analyze-input.ts through `analyzeStream` in
 * this process under several option sets, in chunks of awkward sizes, and prints a SHA-256 of each output. Run it
 * before and after a change to the streaming path: the hashes must be identical. Optionally writes the outputs.
 *
 *   npx tsx bench/analysis/analyze-equivalence.ts [lines=200000] [streams=2000] [outDir]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeStream } from '../../src/analysis/stream.js';
import type { AnalyzerOptions } from '../../src/analysis/options.js';
import { analyzeInput } from './analyze-input.js';

const lines = Number(process.argv[2] ?? 200_000);
const streams = Number(process.argv[3] ?? 2000);
const outDir = process.argv[4];

const input = Buffer.from(analyzeInput(lines, streams), 'utf8');
const cases: Array<[string, Partial<AnalyzerOptions>]> = [
  ['sequential', {}],
  ['sequential-guards', { alpha: 0.05, thresholds: { maxErrorRate: 0.02, maxP99LatencyMs: 200 }, tolerance: 0.5 }],
  ['threshold', { mode: 'threshold', thresholds: { maxErrorRate: 0.02 } }],
  ['compare', { mode: 'compare' }],
];

// Chunks of odd sizes so that lines (and multi-byte characters) are split across chunk boundaries.
function* chunks(): Generator<Buffer> {
  let at = 0;
  let size = 1;
  while (at < input.length) {
    yield input.subarray(at, at + size);
    at += size;
    size = size >= 70_000 ? 1 : size * 3 + 1;
  }
}

const result: Record<string, { sha256: string; outputLines: number; errors: number; seconds: number }> = {};
if (outDir) mkdirSync(outDir, { recursive: true });
for (const [name, options] of cases) {
  const parts: Buffer[] = [];
  const sink = { write: (c: Uint8Array) => (parts.push(Buffer.from(c)), true), once: () => undefined };
  const started = process.hrtime.bigint();
  const { errors } = await analyzeStream({ [Symbol.asyncIterator]: () => chunks() as never }, sink, options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const text = Buffer.concat(parts).toString('utf8');
  if (outDir) writeFileSync(join(outDir, `${name}.ndjson`), text);
  result[name] = {
    sha256: createHash('sha256').update(text).digest('hex'),
    outputLines: text.split('\n').length - 1,
    errors,
    seconds: Number(seconds.toFixed(2)),
  };
}
process.stdout.write(JSON.stringify({ lines, streams, inputBytes: input.length, result }, null, 2) + '\n');
