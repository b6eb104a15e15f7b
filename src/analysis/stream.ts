import type { AnalysisBatch, Decision } from '../core/measurement.js';
import { parseLine } from './parse-line.js';
import { inPlace } from './in-place.js';
import { createAnalyzer } from './index.js';
import { parseFast, type FastLine } from './ndjson.js';
import { LineWriter } from './ndjson-writer.js';
import { writeRecord } from './record-writer.js';
import { recordAnalyzer, SequentialRecord } from './sequential-record.js';
import type { AnalyzerOptions } from './options.js';

export { optionsFromFlags, type AnalyzeFlags } from './analyze-flags.js';

/** A reader of text chunks and a writer of text; Node streams fit, and so do test doubles. */
export interface LineSource {
  [Symbol.asyncIterator](): AsyncIterator<Buffer | string>;
}
export interface LineSink {
  write(chunk: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

// Output goes into blocks of about this size, each written whole (a full block is written when the input chunk that
// filled it is done).
const BLOCK = 1 << 18;

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const OPEN_ID = ascii('{"id":');
const T_KEY = ascii(',"t":');
const DECISION_KEY = ascii(',"decision":');
const REASON_KEY = ascii(',"reason":');
const EVIDENCE_KEY = ascii(',"evidence":');
const END = ascii('}\n');

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
  // The sequential analyzer's hot path: most decisions come back as a record written straight into bytes.
  const recorder = recordAnalyzer(analyzer);
  const rec = new SequentialRecord();
  // Streams by id; strings and numbers apart ("1" and 1 are different streams). Each keeps its JSON id.
  const byString = new Map<string, StreamEntry>();
  const byNumber = new Map<number, StreamEntry>();
  const fast: FastLine = {
    id: '',
    t: null,
    cr: 0,
    ce: 0,
    br: 0,
    be: 0,
    lazyId: true,
    idStart: 0,
    idEnd: -1,
    idHash: 0,
  };
  // Streams whose string id was read in place, by a hash of its bytes (chained through `sameHash`): found
  // without decoding the id into a string per line. The entries are the ones `byString` holds.
  const byBytes = new Map<number, StreamEntry>();
  // A scratch batch for lines read in place: the analyzer does not keep batches.
  const scratch = { t: 0, canary: { requests: 0, errors: 0 }, baseline: { requests: 0, errors: 0 } };
  const out = new LineWriter(BLOCK);
  let lineNo = 0;
  let errors = 0;

  const flush = async (): Promise<void> => {
    if (out.used === 0) return;
    if (!output.write(out.take())) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
  };

  const entry = (id: string | number): StreamEntry => {
    const map = (typeof id === 'string' ? byString : byNumber) as Map<string | number, StreamEntry>;
    let e = map.get(id);
    if (e === undefined) {
      e = {
        id,
        state: analyzer.initial(),
        idJson: Buffer.from(JSON.stringify(id), 'utf8'),
        final: null,
        finalJson: null,
        sameHash: undefined,
      };
      map.set(id, e);
    }
    return e;
  };

  const errorLine = (value: object): void => {
    errors++;
    out.text(JSON.stringify(value) + '\n');
  };

  /** The stream of the string id `buf[start, end)` (printable ASCII without escapes: its JSON is the quoted bytes). */
  const entryAt = (buf: Buffer, start: number, end: number, hash: number): StreamEntry => {
    const n = end - start;
    let x = byBytes.get(hash);
    for (; x !== undefined; x = x.sameHash) {
      const json = x.idJson;
      if (json.length !== n + 2) continue;
      let k = 0;
      while (k < n && json[k + 1] === buf[start + k]) k++;
      if (k === n) return x;
    }
    const e = entry(buf.toString('latin1', start, end));
    e.sameHash = byBytes.get(hash);
    byBytes.set(hash, e);
    return e;
  };

  const answer = (e: StreamEntry, t: number | null, batch: AnalysisBatch): void => {
    const id = e.id;
    let decision: Decision;
    if (recorder) {
      const d = recorder.observeRecord(e.state, batch, rec);
      if (d === null) {
        out.bytes(OPEN_ID);
        out.bytes(e.idJson);
        out.bytes(T_KEY);
        if (t === null) out.ascii('null');
        else out.number(t);
        writeRecord(out, rec);
        return;
      }
      decision = d;
    } else if (mutable) {
      // The stream owns its states: update in place (same decisions, no new state per line).
      decision = mutable.observeInPlace(e.state, batch);
    } else {
      const r = analyzer.observe(e.state, batch);
      decision = r.decision;
      if (r.decision.evidence.invalid !== true) e.state = r.state;
    }
    if (decision.evidence.invalid === true) {
      const error = `line ${lineNo}: ${decision.reason.replace(/^invalid batch ignored: /, '')}`;
      return errorLine({ line: lineNo, id, error });
    }
    // What JSON.stringify({ id, t, decision, reason, evidence }) writes, without building the string.
    out.bytes(OPEN_ID);
    out.bytes(e.idJson);
    out.bytes(T_KEY);
    if (t === null) out.ascii('null');
    else out.number(t);
    if (decision === e.final) {
      // A rollback is final and answered again, word for word: written once, copied after.
      out.bytes(e.finalJson!);
      return;
    }
    const from = out.used;
    out.bytes(DECISION_KEY);
    out.string(decision.verdict);
    out.bytes(REASON_KEY);
    out.string(decision.reason);
    out.bytes(EVIDENCE_KEY);
    out.evidence(decision.evidence);
    out.bytes(END);
    if (decision.verdict === 'rollback') {
      e.final = decision;
      e.finalJson = new Uint8Array(out.buf.subarray(from, out.used));
    }
  };

  // A line read from the input bytes; the common shape is read in place, anything else decoded and parsed.
  const handle = (buf: Buffer, start: number, end: number): void => {
    lineNo++;
    if (parseFast(buf, start, end, fast)) {
      const t = fast.t;
      const e = fast.idEnd! >= 0 ? entryAt(buf, fast.idStart!, fast.idEnd!, fast.idHash!) : entry(fast.id);
      if (recorder) {
        // The record path keeps no reference to the batch: one scratch object serves every line.
        scratch.t = t ?? 0;
        scratch.canary.requests = fast.cr;
        scratch.canary.errors = fast.ce;
        scratch.baseline.requests = fast.br;
        scratch.baseline.errors = fast.be;
        answer(e, t, scratch);
      } else {
        answer(e, t, {
          t: t ?? 0,
          canary: { requests: fast.cr, errors: fast.ce },
          baseline: { requests: fast.br, errors: fast.be },
        });
      }
    } else {
      handleText(buf.toString('utf8', start, end));
    }
  };
  const handleText = (line: string): void => {
    const parsed = parseLine(line);
    if (typeof parsed === 'string') return errorLine({ line: lineNo, error: `line ${lineNo}: ${parsed}` });
    answer(entry(parsed.id), parsed.t, parsed.batch);
  };

  // The start of a line whose end has not arrived yet (a long line may span many chunks).
  let partial: Buffer[] = [];
  // Text chunks (test doubles) may end between the two halves of a surrogate pair: keep the first half back.
  let highSurrogate = '';
  for await (const chunk of input) {
    let buf: Buffer;
    if (typeof chunk === 'string') {
      let text = highSurrogate + chunk;
      highSurrogate = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        highSurrogate = text.slice(-1);
        text = text.slice(0, -1);
      }
      buf = Buffer.from(text, 'utf8');
    } else {
      buf = chunk;
    }
    let start = 0;
    let nl = buf.indexOf(10);
    if (nl >= 0 && partial.length > 0) {
      partial.push(buf.subarray(0, nl));
      const line = Buffer.concat(partial);
      partial = [];
      handle(line, 0, line.length);
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    for (; nl >= 0; nl = buf.indexOf(10, start)) {
      handle(buf, start, nl);
      start = nl + 1;
    }
    // A copy: the source may reuse its buffer.
    if (start < buf.length) partial.push(Buffer.from(buf.subarray(start)));
    if (out.used >= BLOCK / 2) await flush();
  }
  // The last line, when the input does not end with a newline.
  if (partial.length > 0 || highSurrogate !== '') {
    const rest = Buffer.concat(partial).toString('utf8') + highSurrogate;
    if (rest.trim() !== '') {
      lineNo++;
      handleText(rest);
    }
  }
  await flush();
  return { lines: lineNo, errors };
}

type StreamEntry = {
  /** The id as read (a string or a number). */
  id: string | number;
  state: unknown;
  /** The id as JSON, in UTF-8. */
  idJson: Uint8Array;
  /** The stream's final decision (a rollback) and its output after `"t":…`. */
  final: Decision | null;
  finalJson: Uint8Array | null;
  /** The next stream whose id bytes have the same hash. */
  sameHash: StreamEntry | undefined;
};
