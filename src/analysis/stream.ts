import { StringDecoder } from 'node:string_decoder';
import type { AnalysisBatch, CountsDelta, Decision } from '../core/measurement.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { inPlace } from './in-place.js';
import { createAnalyzer } from './index.js';
import { evidenceJson, parseFast, primitiveJson, type FastLine } from './ndjson.js';
import { resolveOptions, type AnalyzerOptions } from './options.js';

/** Flags of `chimera analyze` as commander hands them over (strings). */
export interface AnalyzeFlags {
  alpha?: string;
  mode?: string;
  maxErrorRate?: string;
  maxP99Latency?: string;
  tolerance?: string;
  minRequests?: string;
}

/**
 * Analyzer options from CLI flags; a bad flag is a ConfigError naming it (exit 2), before any input is read.
 * `--max-error-rate` takes a fraction (0.05) or a percentage (5%).
 */
export function optionsFromFlags(flags: AnalyzeFlags): AnalyzerOptions {
  const issues: ConfigIssue[] = [];
  const number = (flag: string, text: string | undefined, percentAllowed = false): number | undefined => {
    if (text === undefined) return undefined;
    const m = /^\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(%?)\s*$/i.exec(text);
    if (!m || (m[2] && !percentAllowed)) {
      issues.push({
        path: flag,
        message: `expected a number${percentAllowed ? ' or a percentage' : ''}, got '${text}'`,
      });
      return undefined;
    }
    return m[2] ? Number(m[1]) / 100 : Number(m[1]);
  };
  const partial: Partial<AnalyzerOptions> = {
    alpha: number('--alpha', flags.alpha),
    tolerance: number('--tolerance', flags.tolerance),
    minRequests: number('--min-requests', flags.minRequests),
    thresholds: {
      maxErrorRate: number('--max-error-rate', flags.maxErrorRate, true),
      maxP99LatencyMs: number('--max-p99-latency', flags.maxP99Latency),
    },
  };
  if (flags.mode !== undefined) partial.mode = flags.mode as AnalyzerOptions['mode'];
  if (issues.length > 0) throw new ConfigError('invalid options for chimera analyze', issues);
  try {
    return resolveOptions(partial);
  } catch (err) {
    // Name the flags, not the option fields.
    if (err instanceof ConfigError) {
      const flagOf: Record<string, string> = {
        'thresholds.maxErrorRate': '--max-error-rate',
        'thresholds.maxP99LatencyMs': '--max-p99-latency',
        minRequests: '--min-requests',
      };
      const renamed = err.issues.map((i) => ({ ...i, path: flagOf[i.path] ?? `--${i.path}` }));
      throw new ConfigError('invalid options for chimera analyze', renamed);
    }
    throw err;
  }
}

/** A reader of text chunks and a writer of text; Node streams fit, and so do test doubles. */
export interface LineSource {
  [Symbol.asyncIterator](): AsyncIterator<Buffer | string>;
}
export interface LineSink {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

// Output is encoded line by line into blocks of this size, then written: a big string of many lines, two-byte
// because reasons say "≥", cost more to flatten and encode at once than the encoding itself.
const BLOCK = 1 << 18;

/**
 * The streaming analyzer behind `chimera analyze`: NDJSON batches in, one NDJSON decision out per line.
 * Streams are told apart by `id`; each has its own analyzer state. A line that cannot be read gets
 * `{"line":N,"error":"…"}` and the rest go on. Output is buffered and respects back-pressure.
 * Returns the number of lines read and of lines in error.
 */
export async function analyzeStream(
  input: LineSource,
  output: LineSink,
  options: Partial<AnalyzerOptions>,
): Promise<{ lines: number; errors: number }> {
  const analyzer = createAnalyzer(options);
  const mutable = inPlace(analyzer);
  // Streams by id; strings and numbers apart ("1" and 1 are different streams). Each keeps its JSON id.
  const byString = new Map<string, StreamEntry>();
  const byNumber = new Map<number, StreamEntry>();
  const fast: FastLine = { id: '', t: null, cr: 0, ce: 0, br: 0, be: 0 };
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  let errors = 0;
  let block = Buffer.allocUnsafe(BLOCK);
  let used = 0;

  const flush = async (): Promise<void> => {
    if (used === 0) return;
    // A fresh block each time: the sink may hold on to what it was given.
    const ok = output.write(block.subarray(0, used));
    block = Buffer.allocUnsafe(BLOCK);
    used = 0;
    if (!ok) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
  };

  let pendingFlush = false;
  // Appends a line to the block; a full block is written at the end of the input chunk (or now, if the line
  // does not fit: a block grows rather than await inside the synchronous loop).
  const emit = (text: string): void => {
    if (used + text.length * 3 > block.length) {
      if (used > 0) {
        const grown = Buffer.allocUnsafe(Math.max(block.length * 2, used + text.length * 3));
        block.copy(grown, 0, 0, used);
        block = grown;
      } else {
        block = Buffer.allocUnsafe(Math.max(BLOCK, text.length * 3));
      }
    }
    used += block.write(text, used, 'utf8');
    if (used >= BLOCK / 2) pendingFlush = true;
  };

  const entry = (id: string | number): StreamEntry => {
    const map = (typeof id === 'string' ? byString : byNumber) as Map<string | number, StreamEntry>;
    let e = map.get(id);
    if (e === undefined) {
      e = { state: analyzer.initial(), idJson: primitiveJson(id)! };
      map.set(id, e);
    }
    return e;
  };

  const handle = (line: string): void => {
    lineNo++;
    let id: string | number;
    let t: number | null;
    let batch: AnalysisBatch;
    if (parseFast(line, fast) !== null) {
      id = fast.id;
      t = fast.t;
      batch = {
        t: t ?? 0,
        canary: { requests: fast.cr, errors: fast.ce },
        baseline: { requests: fast.br, errors: fast.be },
      };
    } else {
      const parsed = parseLine(line);
      if (typeof parsed === 'string') {
        errors++;
        emit(JSON.stringify({ line: lineNo, error: `line ${lineNo}: ${parsed}` }) + '\n');
        return;
      }
      ({ id, t, batch } = parsed);
    }
    const e = entry(id);
    let decision: Decision;
    if (mutable) {
      // The stream owns its states: update in place (same decisions, no new state per line).
      decision = mutable.observeInPlace(e.state, batch);
    } else {
      const r = analyzer.observe(e.state, batch);
      decision = r.decision;
      if (r.decision.evidence.invalid !== true) e.state = r.state;
    }
    if (decision.evidence.invalid === true) {
      errors++;
      emit(
        JSON.stringify({
          line: lineNo,
          id,
          error: `line ${lineNo}: ${decision.reason.replace(/^invalid batch ignored: /, '')}`,
        }) + '\n',
      );
      return;
    }
    // What JSON.stringify({ id, t, decision, reason, evidence }) writes, without its generic walk.
    emit(
      `{"id":${e.idJson},"t":${t === null ? 'null' : primitiveJson(t)},"decision":${primitiveJson(decision.verdict)},"reason":${JSON.stringify(decision.reason)},"evidence":${evidenceJson(decision.evidence)}}\n`,
    );
  };

  for await (const chunk of input) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      handle(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (pendingFlush) {
      pendingFlush = false;
      await flush();
    }
  }
  rest += decoder.end();
  if (rest.trim() !== '') handle(rest);
  await flush();
  return { lines: lineNo, errors };
}

type StreamEntry = { state: unknown; idJson: string };

type Parsed = { id: string | number; t: number | null; batch: AnalysisBatch };

function parseLine(line: string): Parsed | string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return 'empty line';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return `not JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' && typeof o.id !== 'number') return 'missing "id" (a string naming the stream)';
  if (o.t !== undefined && (typeof o.t !== 'number' || !Number.isFinite(o.t))) return '"t" must be a number of seconds';
  for (const side of ['canary', 'baseline'] as const) {
    if (typeof o[side] !== 'object' || o[side] === null) return `missing "${side}" ({"requests":…,"errors":…})`;
  }
  const t = typeof o.t === 'number' ? o.t : null;
  return { id: o.id, t, batch: { t: t ?? 0, canary: o.canary as CountsDelta, baseline: o.baseline as CountsDelta } };
}
