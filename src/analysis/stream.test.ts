import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CountsDelta } from '../core/measurement.js';
import { ConfigError } from '../errors.js';
import { createAnalyzer } from './index.js';
import { analyzeStream, optionsFromFlags } from './stream.js';

async function analyze(lines: string[], flags = {}): Promise<Array<Record<string, unknown>>> {
  const input = PassThrough.from([lines.join('\n') + '\n']);
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on('data', (c: Buffer) => chunks.push(c.toString()));
  await analyzeStream(input, output, optionsFromFlags(flags));
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const line = (id: string, t: number, ce: number, be = 0): string =>
  JSON.stringify({ id, t, canary: { requests: 10, errors: ce }, baseline: { requests: 90, errors: be } });

describe('analyzeStream', () => {
  it('answers every line, keeps interleaved streams apart, and stays rolled back', async () => {
    const input = [];
    for (let t = 1; t <= 20; t++) input.push(line('bad', t, 10), line('good', t, 0, t % 5 === 0 ? 1 : 0));
    const out = await analyze(input);
    expect(out).toHaveLength(40);
    const bad = out.filter((o) => o.id === 'bad');
    const good = out.filter((o) => o.id === 'good');
    expect(bad[0]!.decision).toBe('rollback');
    expect(bad.every((o) => o.decision === 'rollback')).toBe(true);
    expect(good.some((o) => o.decision === 'rollback')).toBe(false);
    expect(good[0]).toMatchObject({ id: 'good', t: 1, decision: 'inconclusive' });
    expect(typeof good[0]!.reason).toBe('string');
    expect(good[0]!.evidence).toMatchObject({ canaryRequests: 10, baselineRequests: 90 });
  });

  it('names the line number of a malformed line and goes on', async () => {
    const out = await analyze([
      line('a', 1, 0),
      '{not json',
      '{"id":"a","canary":{"requests":1,"errors":2},"baseline":{"requests":1,"errors":0}}',
      '',
      line('a', 2, 0),
    ]);
    expect(out).toHaveLength(5);
    expect(out[1]).toMatchObject({ line: 2 });
    expect(String(out[1]!.error)).toMatch(/^line 2: not JSON/);
    expect(String(out[2]!.error)).toMatch(/^line 3: canary.errors \(2\) exceeds canary.requests \(1\)/);
    expect(String(out[3]!.error)).toMatch(/^line 4: empty line/);
    expect(out[4]).toMatchObject({ id: 'a', t: 2 });
  });

  it('splits lines across chunk boundaries', async () => {
    const text = [line('x', 1, 0), line('x', 2, 0), line('x', 3, 0)].join('\n') + '\n';
    const input = PassThrough.from(text.match(/.{1,7}/gs)!.map((s) => Buffer.from(s)));
    const output = new PassThrough();
    let got = '';
    output.on('data', (c: Buffer) => (got += c.toString()));
    const result = await analyzeStream(input, output, {});
    expect(result).toEqual({ lines: 3, errors: 0 });
    expect(got.trim().split('\n')).toHaveLength(3);
  });

  it('applies --mode and --max-error-rate', async () => {
    const out = await analyze([line('s', 1, 1)], { mode: 'threshold', maxErrorRate: '5%' });
    expect(out[0]).toMatchObject({ decision: 'rollback' });
    expect(out[0]!.evidence).toMatchObject({ maxErrorRate: 0.05 });
  });
});

describe('optionsFromFlags', () => {
  it('rejects bad flags with a ConfigError naming each flag', () => {
    try {
      optionsFromFlags({ alpha: '2', mode: 'magic', maxErrorRate: 'lots', tolerance: '-1' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['--max-error-rate']);
    }
    try {
      optionsFromFlags({ alpha: '2', mode: 'magic', tolerance: '-1' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.path).sort()).toEqual(['--alpha', '--mode', '--tolerance']);
    }
  });

  it('reads a fraction or a percentage for --max-error-rate', () => {
    expect(optionsFromFlags({ maxErrorRate: '0.02' }).thresholds.maxErrorRate).toBe(0.02);
    expect(optionsFromFlags({ maxErrorRate: '2%' }).thresholds.maxErrorRate).toBe(0.02);
  });

  it('reads --error-cluster-size, and names it when it is not a whole number from 1', () => {
    expect(optionsFromFlags({ errorClusterSize: '5' }).errorClusterSize).toBe(5);
    expect(optionsFromFlags({}).errorClusterSize).toBe(1);
    for (const bad of ['0', '2.5', 'x']) {
      try {
        optionsFromFlags({ errorClusterSize: bad });
        expect.unreachable();
      } catch (err) {
        expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['--error-cluster-size']);
      }
    }
  });

  it('reads the latency tolerances, and names their flags when they are out of range', () => {
    const o = optionsFromFlags({ latencyTolerance: '1', latencyAbsoluteTolerance: '0.5%' });
    expect(o.latencyTolerance).toBe(1);
    expect(o.latencyAbsoluteTolerance).toBe(0.005);
    try {
      optionsFromFlags({ latencyTolerance: '-2', latencyAbsoluteTolerance: '80%' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual([
        '--latency-tolerance',
        '--latency-absolute-tolerance',
      ]);
    }
  });
});

/** Runs analyzeStream over the given chunks and returns the output text. */
async function run(chunks: Array<Buffer | string>, options = {}): Promise<string> {
  const parts: Buffer[] = [];
  const sink = { write: (c: Uint8Array) => (parts.push(Buffer.from(c)), true), once: () => undefined };
  await analyzeStream({ [Symbol.asyncIterator]: () => chunks[Symbol.iterator]() as never }, sink, options);
  return Buffer.concat(parts).toString('utf8');
}

/** The lines `JSON.stringify` would write for the valid lines of `input`, from the analyzer itself. */
function reference(lines: string[], options = {}): Map<number, string> {
  const analyzer = createAnalyzer(options);
  const states = new Map<unknown, unknown>();
  const out = new Map<number, string>();
  lines.forEach((text, i) => {
    let v: { id: string | number; t?: number; canary: CountsDelta; baseline: CountsDelta };
    try {
      v = JSON.parse(text) as typeof v;
    } catch {
      return;
    }
    const key = typeof v.id === 'string' ? `s:${v.id}` : v.id;
    const { state, decision } = analyzer.observe(states.get(key) ?? analyzer.initial(), { ...v, t: v.t ?? 0 });
    if (decision.evidence.invalid === true) return;
    states.set(key, state);
    const { verdict, reason, evidence } = decision;
    out.set(i, JSON.stringify({ id: v.id, t: v.t ?? null, decision: verdict, reason, evidence }));
  });
  return out;
}

describe('analyzeStream reading bytes', () => {
  const mixed = [
    line('a', 1, 0),
    '{"id":"a","t":2.25,"canary":{"requests":10,"errors":0},"baseline":{"requests":90,"errors":1}}\r',
    '{ "id": "a", "t": 3, "canary": { "requests": 10, "errors": 0 }, "baseline": { "requests": 90, "errors": 0 } }',
    '',
    '\r',
    '{"id":7,"t":-1.5,"canary":{"requests":10,"errors":10},"baseline":{"requests":90,"errors":0}}',
    '{"id":"é😀","t":1,"canary":{"requests":10,"errors":0},"baseline":{"requests":90,"errors":0}}',
    '{"id":"q\\"x","canary":{"requests":10,"errors":0},"baseline":{"requests":90,"errors":0}}',
    'not json é',
    '{"id":"a","t":4,"canary":{"requests":10,"errors":11},"baseline":{"requests":90,"errors":0}}',
    '{"id":7,"t":2,"canary":{"requests":10,"errors":0},"baseline":{"requests":90,"errors":0}}',
    line('a', 5, 1, 2),
  ];
  const text = mixed.join('\n') + '\n';

  it('answers valid lines exactly as JSON.stringify of the decision, whatever the line form', async () => {
    const out = (await run([text])).split('\n');
    expect(out).toHaveLength(mixed.length + 1);
    for (const [i, expected] of reference(mixed)) expect(out[i]).toBe(expected);
    expect(out[3]).toBe('{"line":4,"error":"line 4: empty line"}');
    expect(out[4]).toBe('{"line":5,"error":"line 5: empty line"}');
    expect(out[8]).toMatch(/^\{"line":9,"error":"line 9: not JSON/);
    expect(out[9]).toBe('{"line":10,"id":"a","error":"line 10: canary.errors (11) exceeds canary.requests (10)"}');
  });

  it('gives the same bytes however the input is cut into chunks (lines and UTF-8 characters split)', async () => {
    const whole = await run([text]);
    const bytes = Buffer.from(text, 'utf8');
    const oneByOne = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(await run(oneByOne)).toBe(whole);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.nat(bytes.length), { maxLength: 12 }), async (cuts) => {
        const at = [0, ...cuts.sort((x, y) => x - y), bytes.length];
        const chunks = at.slice(1).map((end, i) => bytes.subarray(at[i], end));
        expect(await run(chunks)).toBe(whole);
      }),
      { numRuns: 100 },
    );
    // Text chunks cut between the halves of a surrogate pair.
    const cut = text.indexOf('😀') + 1;
    expect(await run([text.slice(0, cut), text.slice(cut)])).toBe(whole);
  });

  it('reads a last line without a newline and ignores trailing blanks', async () => {
    expect(await run([line('a', 1, 0)])).toBe(await run([line('a', 1, 0) + '\n']));
    expect((await run([line('a', 1, 0) + '\n  \r'])).split('\n')).toHaveLength(2);
  });

  it('reads a huge line spread over many chunks, and names a huge malformed one', async () => {
    const pad = 'x'.repeat(3_000_000);
    const big = `{"id":"big","t":1,"pad":"${pad}","canary":{"requests":10,"errors":0},"baseline":{"requests":90,"errors":0}}`;
    const input = Buffer.from(`${big}\n{"id":"big","pad":"${pad}\n${line('big', 2, 0)}\n`);
    const chunks = [];
    for (let at = 0; at < input.length; at += 65536) chunks.push(input.subarray(at, at + 65536));
    const out = (await run(chunks)).trim().split('\n');
    expect(out).toHaveLength(3);
    expect(out[0]).toBe(reference([big]).get(0));
    expect(out[1]).toMatch(/^\{"line":2,"error":"line 2: not JSON/);
    expect(JSON.parse(out[2]!)).toMatchObject({ id: 'big', t: 2 });
  });

  it('answers a stream after its rollback with the same decision, word for word', async () => {
    const lines = [line('r', 1, 10), line('ok', 1, 0), 'junk', line('r', 2, 0), line('r', 3, 0, 5)];
    const out = (await run([lines.join('\n')]))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = out[0]!;
    expect(first.decision).toBe('rollback');
    for (const later of [out[3]!, out[4]!]) {
      expect(later.t).not.toBe(first.t);
      expect({ ...later, t: first.t }).toEqual(first);
    }
  });
});
