import { num, pct } from './format.js';
import type { LineWriter } from './ndjson-writer.js';
import {
  T_HEALTHY,
  T_INCONCLUSIVE,
  T_ROLLBACK,
  VERDICTS,
  WHY_BOUND,
  WHY_RATIO,
  type SequentialRecord,
} from './sequential-record.js';

/**
 * Writes the rest of an output line of `chimera analyze` from a {@link SequentialRecord}:
 * `,"decision":…,"reason":…,"evidence":{…}}\n`, the bytes `JSON.stringify` gives for the Decision the record stands
 * for (`recordReason`, `recordEvidence`), without building the reason string or the evidence object.
 *
 * The line is put together as a one-byte (Latin-1) string in which each non-ASCII character already stands as its
 * UTF-8 bytes ("≥" as the three characters E2 89 A5), and written with one Latin-1 copy: measured here, byte loops
 * and many small copies into the output cost more than V8's string concatenation and one native copy of the result.
 */
// A text as Latin-1 characters carrying its UTF-8 bytes.
const bytesOf = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const GE = bytesOf('≥');
const TIMES = bytesOf('×');
const LE = bytesOf('≤');
const INFINITY = bytesOf('∞');
const DECISION = VERDICTS.map((v) => `,"decision":"${v}","reason":"`);

/** A text of `num` (ASCII, or "∞") in Latin-1-carried UTF-8. */
const shown = (s: string): string => (s === '∞' ? INFINITY : s);

// JSON texts of recent non-integer numbers, by value (direct-mapped): rates, shares, e-values and bounds repeat
// across lines, and String() of a double that V8 does not have cached is slow.
const SLOTS = 4096;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const numKey = new Float64Array(SLOTS).fill(NaN);
const numText: string[] = new Array<string>(SLOTS).fill('');

/** A number as JSON.stringify writes it; NaN (null in the record) and other non-finite numbers as null. */
function json(v: number): string {
  if ((v | 0) === v) return String(v);
  if (v - v !== 0) return 'null';
  bits[0] = v;
  const h = Math.imul(words[0]! ^ Math.imul(words[1]!, 0x85ebca6b), 0x9e3779b1) >>> 20;
  if (numKey[h] === v) return numText[h]!;
  const text = String(v);
  numKey[h] = v;
  numText[h] = text;
  return text;
}

/** The line's text after `"t":…`, in Latin-1-carried UTF-8. */
export function recordText(r: SequentialRecord): string {
  const template = r.template;
  const counts =
    `canary ${r.ce}/${r.cr} = ${pct(r.cr > 0 ? r.ce / r.cr : 0)} errors vs baseline ` +
    `${r.be}/${r.br} = ${pct(r.br > 0 ? r.be / r.br : 0)}`;
  let reason: string;
  if (template === T_ROLLBACK) {
    reason = `canary fails more than baseline: ${counts}; e-value ${shown(num(Math.exp(r.logE)))} ${GE} ${shown(r.levelText)}`;
  } else if (template === T_INCONCLUSIVE) {
    reason = `too little canary traffic: ${r.cr} of the ${r.minRequestsText} requests needed (${counts}); holding`;
  } else {
    const why =
      r.why === WHY_RATIO
        ? `error rate shown ${LE} baseline ${TIMES} ${shown(r.toleranceText)} (ratio bound ${shown(num(Number.isNaN(r.ratioUpper) ? Infinity : r.ratioUpper))})`
        : r.why === WHY_BOUND
          ? `error rate shown ${LE} ${pct(r.limit)} (bound ${pct(r.upper)})`
          : `error rate bound ${pct(r.upper)} not yet ${LE} ${pct(r.limit)}; e-value ${shown(num(Math.exp(r.logE)))} of ${shown(r.levelText)}`;
    reason = `${template === T_HEALTHY ? 'canary healthy' : 'no decision yet'}: ${counts}, ${why}`;
  }
  const evidence =
    `","evidence":{"canaryRequests":${json(r.cr)},"canaryErrors":${json(r.ce)},"baselineRequests":${json(r.br)},` +
    `"baselineErrors":${json(r.be)},"canaryErrorRate":${json(r.canaryErrorRate)},` +
    `"baselineErrorRate":${json(r.baselineErrorRate)},"canaryShare":${json(r.share)},"eValue":${json(r.eValue)},` +
    `"eThreshold":${json(r.eThreshold)},"ratioUpper":${json(r.ratioUpper)}`;
  const tail =
    template >= T_HEALTHY
      ? `,"canaryErrorRateUpper":${json(r.canaryErrorRateUpper)},"healthyLimit":${json(r.healthyLimit)}}}\n`
      : '}}\n';
  return DECISION[template]! + reason + evidence + tail;
}

export function writeRecord(out: LineWriter, r: SequentialRecord): void {
  out.latin1(recordText(r));
}
