import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnalyzer } from './index.js';
import { inPlace } from './in-place.js';
import { parseFast, type FastLine } from './ndjson.js';
import { LineWriter } from './ndjson-writer.js';

const blank = (): FastLine => ({ id: '', t: null, cr: 0, ce: 0, br: 0, be: 0 });

/** parseFast on `text` placed inside a larger buffer (lines are read in place, between other lines). */
function parseText(text: string, into = blank()): FastLine | null {
  const line = Buffer.from(text, 'utf8');
  const buf = Buffer.concat([Buffer.from('xx\n'), line, Buffer.from('\nyy')]);
  return parseFast(buf, 3, 3 + line.length, into) ? into : null;
}

/** What a LineWriter writes, as text. */
function written(write: (w: LineWriter) => void): string {
  const w = new LineWriter(4);
  write(w);
  return w.take().toString('utf8');
}

describe('parseFast', () => {
  it('reads the common shape exactly as JSON.parse does, or declines', () => {
    const id = fc.oneof(fc.string(), fc.nat(), fc.constant(-0));
    const count = fc.oneof(fc.nat(), fc.integer({ min: -3, max: 3 }), fc.constant(1.5), fc.constant(1e20));
    const t = fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.nat()), { nil: undefined });
    fc.assert(
      fc.property(id, t, count, count, count, count, fc.boolean(), (i, tt, cr, ce, br, be, cr13) => {
        const text =
          JSON.stringify({
            id: i,
            t: tt,
            canary: { requests: cr, errors: ce },
            baseline: { requests: br, errors: be },
          }) + (cr13 ? '\r' : '');
        const got = parseText(text);
        if (got === null) return;
        const o = JSON.parse(text.trimEnd()) as Record<string, Record<string, number>>;
        expect(got).toEqual({
          id: o.id,
          t: o.t ?? null,
          cr: o.canary!.requests,
          ce: o.canary!.errors,
          br: o.baseline!.requests,
          be: o.baseline!.errors,
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('declines anything but the exact shape', () => {
    for (const line of [
      '',
      '{"id":"a","t":1e3,"canary":{"requests":1,"errors":0},"baseline":{"requests":1,"errors":0}}',
      '{"id":"a\\"b","t":1,"canary":{"requests":1,"errors":0},"baseline":{"requests":1,"errors":0}}',
      '{"id":"a","t":01,"canary":{"requests":1,"errors":0},"baseline":{"requests":1,"errors":0}}',
      '{"id":"a","t":1,"canary":{"requests":1,"errors":0},"baseline":{"requests":1,"errors":0}} ',
      '{"id":"a","t":1,"canary":{"requests":1,"errors":0},"baseline":{"requests":1,"errors":0}}}',
      '{"id":"a","t":1,"canary":{"requests":1.0,"errors":0},"baseline":{"requests":1,"errors":0}}',
      '{"id":"a","t":1,"canary":{"requests":1,"errors":0,"latency":null},"baseline":{"requests":1,"errors":0}}',
    ]) {
      expect(parseText(line)).toBeNull();
    }
    // Ids that are not printable ASCII are left to JSON.parse too.
    expect(parseText('{"id":"é","canary":{"requests":1,"errors":0},"baseline":{"requests":1,"errors":0}}')).toBeNull();
  });

  it('reads fractional and negative times exactly as JSON.parse', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), fc.nat(20), (x, digits) => {
        const t = x.toFixed(digits);
        const text = `{"id":"a","t":${t},"canary":{"requests":1,"errors":0},"baseline":{"requests":1,"errors":0}}`;
        const got = parseText(text);
        if (got !== null) expect(Object.is(got.t, (JSON.parse(text) as { t: number }).t)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('LineWriter', () => {
  it('writes evidence as JSON.stringify does', () => {
    const value = fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), value), { maxLength: 4 }), (list) => {
        // Several in a row: the writer remembers keys by position between objects.
        for (const e of list) expect(written((w) => w.evidence(e as never))).toBe(JSON.stringify(e));
      }),
      { numRuns: 1000 },
    );
    const nested = { a: 1, b: { c: [1, 2] }, d: 'x' };
    expect(written((w) => w.evidence(nested as never))).toBe(JSON.stringify(nested));
  });

  it('writes strings and numbers as JSON.stringify does, in UTF-8', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(text, (s) => {
        expect(written((w) => w.string(s))).toBe(JSON.stringify(s));
      }),
      { numRuns: 3000 },
    );
    for (const s of ['≥ ∞ ×', '\ud800', 'a\udc00b', '😀', '"\\\n\u0001\u007f']) {
      expect(written((w) => w.string(s))).toBe(JSON.stringify(s));
    }
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer()), (x) => {
        expect(written((w) => w.number(x))).toBe(JSON.stringify(x));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('observeInPlace', () => {
  it('decides as observe does and leaves the state observe would return', () => {
    const batch = fc.record({
      t: fc.nat(),
      canary: fc.nat({ max: 50 }).chain((r) => fc.record({ requests: fc.constant(r), errors: fc.nat({ max: r }) })),
      baseline: fc.nat({ max: 500 }).chain((r) => fc.record({ requests: fc.constant(r), errors: fc.nat({ max: r }) })),
    });
    fc.assert(
      fc.property(fc.array(batch, { maxLength: 60 }), fc.boolean(), (batches, guards) => {
        const a = createAnalyzer(guards ? { thresholds: { maxErrorRate: 0.05 } } : {});
        const mutable = inPlace(a)!;
        let pure = a.initial();
        const owned = a.initial();
        for (const b of batches) {
          const r = a.observe(pure, b);
          expect(mutable.observeInPlace(owned, b)).toEqual(r.decision);
          pure = r.state;
          expect(JSON.stringify(owned)).toBe(JSON.stringify(pure));
        }
      }),
      { numRuns: 300 },
    );
  });
});
