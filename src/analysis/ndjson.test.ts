import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnalyzer } from './index.js';
import { inPlace } from './in-place.js';
import { evidenceJson, parseFast, type FastLine } from './ndjson.js';

const blank = (): FastLine => ({ id: '', t: null, cr: 0, ce: 0, br: 0, be: 0 });

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
        const got = parseFast(text, blank());
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
      expect(parseFast(line, blank())).toBeNull();
    }
  });
});

describe('evidenceJson', () => {
  it('writes what JSON.stringify writes', () => {
    const value = fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (e) => {
        expect(evidenceJson(e as never)).toBe(JSON.stringify(e));
      }),
      { numRuns: 2000 },
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
