import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
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
});
