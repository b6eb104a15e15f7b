import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseSpec } from './load.js';
import { planFromSpec } from './plan.js';
import { localPlatform } from './test-helpers.js';
import { formatDuration } from './units.js';

/** Durations as people write them, paired with the milliseconds they mean. */
const durationArb = (minMs: number, maxMs: number) =>
  fc.integer({ min: minMs, max: maxMs }).map((ms) => ({ text: formatDuration(ms), ms }));

const percentArb = fc
  .tuple(fc.integer({ min: 1, max: 100 }), fc.constantFrom('pct', 'number', 'string'))
  .map(([n, style]) => ({ text: style === 'pct' ? `${n}%` : style === 'string' ? String(n) : n, value: n }));

const nameArb = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);

const stepsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 })
  .map((xs) => [...xs].sort((a, b) => a - b));

const strategyArb = fc.oneof(
  stepsArb.map((steps) => ({ input: { steps: steps.map((s) => `${s}%`) }, steps })),
  fc
    .tuple(percentArb, fc.integer({ min: 1, max: 100 }))
    .filter(([step, max]) => step.value <= max)
    .map(([step, max]) => ({ input: { stepWeight: step.text, maxWeight: `${max}%` }, steps: undefined })),
);

const specArb = fc.record({
  name: nameArb,
  version: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
  command: fc.oneof(
    fc.constant('node server.js'),
    fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 4 }),
  ),
  replicas: fc.integer({ min: 1, max: 20 }),
  env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.string(), { maxKeys: 4 }),
  // Not 8081: the router's admin address defaults to 127.0.0.1:8081, and listening there too is (rightly) refused.
  port: fc.integer({ min: 0, max: 65535 }).filter((p) => p !== 8081),
  strategy: strategyArb,
  interval: durationArb(0, 3_600_000),
  deadlineExtra: durationArb(1_000, 3_600_000),
  minRequests: fc.nat({ max: 100_000 }),
  alpha: fc.double({ min: 0.0001, max: 0.4999, noNaN: true }),
  maxErrorRate: percentArb,
  mode: fc.constantFrom('sequential', 'threshold', 'compare'),
  onInconclusive: fc.constantFrom('pause', 'rollback'),
});

type Generated = typeof specArb extends fc.Arbitrary<infer T> ? T : never;

/** The YAML document a generated spec stands for. */
function toDoc(g: Generated) {
  return {
    apiVersion: 'chimera.dev/v1',
    kind: 'Canary',
    metadata: { name: g.name },
    spec: {
      version: g.version,
      platform: { kind: 'local', command: g.command, replicas: g.replicas, env: g.env },
      router: { kind: 'builtin-proxy', listen: `127.0.0.1:${g.port}` },
      strategy: {
        ...g.strategy.input,
        interval: g.interval.text,
        stepDeadline: formatDuration(g.interval.ms + g.deadlineExtra.ms),
        minRequests: g.minRequests,
      },
      analysis: {
        mode: g.mode,
        alpha: g.alpha,
        onInconclusive: g.onInconclusive,
        thresholds: { maxErrorRate: g.maxErrorRate.text },
      },
    },
  };
}

describe('canary spec (property)', () => {
  it('any valid spec written as YAML reads back with the same values', () => {
    fc.assert(
      fc.property(specArb, (g) => {
        const doc = toDoc(g);
        const [loaded] = parseSpec(stringify(doc), 'prop.yaml', '/tmp');
        const spec = loaded!.spec;
        expect(spec.metadata.name).toBe(g.name);
        expect(spec.spec.version).toBe(g.version);
        expect(localPlatform(spec).command).toEqual(g.command);
        expect(localPlatform(spec).env).toEqual(g.env);
        expect(spec.spec.strategy.interval).toBe(g.interval.ms);
        expect(spec.spec.analysis.alpha).toBe(g.alpha);
        expect(spec.spec.analysis.thresholds.maxErrorRate).toBe(g.maxErrorRate.value);
        const plan = planFromSpec(spec);
        if (g.strategy.steps) expect(plan.steps).toEqual(g.strategy.steps);
        for (let i = 1; i < plan.steps.length; i++) expect(plan.steps[i]!).toBeGreaterThan(plan.steps[i - 1]!);
        expect(plan.stepDeadlineMs).toBeGreaterThanOrEqual(plan.stepIntervalMs);
      }),
      { numRuns: 300 },
    );
  });

  it('a value broken anywhere is reported at its own path, line and column', () => {
    // Leaves that no valid spec may hold a random word in; each gets a sentinel the test can find in the text.
    const leaves: Array<Array<string | number>> = [
      ['spec', 'platform', 'replicas'],
      ['spec', 'router', 'listen'],
      ['spec', 'strategy', 'interval'],
      ['spec', 'strategy', 'minRequests'],
      ['spec', 'analysis', 'alpha'],
      ['spec', 'analysis', 'mode'],
      ['spec', 'analysis', 'thresholds', 'maxErrorRate'],
      ['spec', 'strategy', 'steps', 0],
    ];
    fc.assert(
      fc.property(specArb, fc.nat({ max: leaves.length - 1 }), fc.boolean(), (g, which, flow) => {
        const doc = toDoc({ ...g, strategy: { input: { steps: ['5%', '50%'] }, steps: [5, 50] } });
        const path = leaves[which]!;
        let node: Record<string | number, unknown> = doc;
        for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
        node[path.at(-1)!] = 'zz-broken-zz';
        const text = stringify(doc, { collectionStyle: flow ? 'flow' : 'any' });
        const offset = text.indexOf('zz-broken-zz');
        const before = text.slice(0, offset).split('\n');
        const expected = { line: before.length, column: before.at(-1)!.length + 1 };
        let issues: ConfigError['issues'] = [];
        try {
          parseSpec(text, 'prop.yaml', '/tmp');
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          issues = err.issues;
        }
        const dotted = path
          .map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`))
          .join('')
          .slice(1);
        expect(issues).toHaveLength(1);
        expect(issues[0]).toMatchObject({ path: dotted, ...expected });
      }),
      { numRuns: 200 },
    );
  });
});
