import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepFreeze, T0 } from '../testing/engine-harness.js';
import { constantAnalyzer, scriptedAnalyzer } from '../testing/fake-analyzer.js';
import { effectsToResume, newRollout, step } from './engine.js';
import type { Measurement, Verdict, VersionCounts } from './measurement.js';
import type { Command, Effect, RolloutEvent, RolloutPlan, RolloutState, Transition } from './rollout.js';
import { TERMINAL_PHASES } from './rollout.js';

const basePlanArb = fc.record({
  steps: fc
    .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 })
    .map((s) => s.sort((a, b) => a - b)),
  stepIntervalMs: fc.integer({ min: 0, max: 60_000 }),
  minRequestsPerStep: fc.integer({ min: 0, max: 300 }),
  deployTimeoutMs: fc.integer({ min: 1, max: 300_000 }),
  stepDeadlineMs: fc.integer({ min: 0, max: 600_000 }),
  onInconclusive: fc.constantFrom('pause' as const, 'rollback' as const),
  maxMetricFailures: fc.integer({ min: 0, max: 5 }),
  analysisEnabled: fc.boolean(),
});
// Half the plans send synthetic traffic while a step is held for lack of it (src/core/engine-load.ts).
const planArb: fc.Arbitrary<RolloutPlan> = fc
  .tuple(basePlanArb, fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }))
  .map(([plan, rps]) => (rps === undefined ? plan : { ...plan, loadGenerator: { rps } }));

const verdictArb = fc.constantFrom<Verdict>('continue', 'healthy', 'healthy', 'inconclusive', 'rollback');

/** Traffic is generated as increments and turned into cumulative readings by the runner (with resets and junk). */
type Step =
  | { kind: 'event'; event: RolloutEvent }
  | { kind: 'traffic'; canary: [number, number]; stable: [number, number]; reset: boolean }
  | { kind: 'junk'; requests: number };

// Commands that end a rollout are rarer, so that sequences also explore what happens after a pause and resume.
const commandArb = fc.constantFrom<Command>('pause', 'resume', 'pause', 'resume', 'skip-analysis', 'promote', 'abort');
const effectArb = fc.constantFrom<Effect['type']>('deploy-canary', 'set-weight', 'promote', 'rollback', 'notify');

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant<Step>({ kind: 'event', event: { type: 'start' } }), weight: 2 },
  {
    arbitrary: fc
      .record({ ready: fc.nat(4), desired: fc.nat(4), failed: fc.boolean(), message: fc.string({ maxLength: 30 }) })
      .map<Step>(({ ready, desired, failed, message }) => ({
        kind: 'event',
        event:
          failed && ready === 0
            ? { type: 'canary-status', ready, desired, failed, message }
            : { type: 'canary-status', ready, desired },
      })),
    weight: 3,
  },
  { arbitrary: fc.constant<Step>({ kind: 'event', event: { type: 'tick' } }), weight: 5 },
  {
    arbitrary: fc
      .tuple(fc.nat(200), fc.nat(20), fc.nat(2000), fc.nat(5), fc.boolean())
      .map<Step>(([cr, ce, sr, se, reset]) => ({
        kind: 'traffic',
        canary: [cr, Math.min(ce, cr)],
        stable: [sr, Math.min(se, sr)],
        reset: reset && cr % 7 === 0,
      })),
    weight: 10,
  },
  {
    arbitrary: fc.constantFrom('no-data' as const, 'error' as const).map<Step>((phase) => ({
      kind: 'event',
      event: { type: 'measurement', measurement: { phase, at: 0, reason: `${phase}\nsecond line` } },
    })),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(Number.NaN, -5, Infinity).map<Step>((requests) => ({ kind: 'junk', requests })),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(commandArb, fc.option(fc.string({ maxLength: 10 }), { nil: undefined }))
      .map<Step>(([command, by]) => ({
        kind: 'event',
        event: by === undefined ? { type: 'command', command } : { type: 'command', command, by },
      })),
    weight: 3,
  },
  {
    arbitrary: fc.tuple(effectArb, fc.boolean(), fc.boolean()).map<Step>(([effect, a, b]) => ({
      kind: 'event',
      event: { type: 'effect-failed', effect, reason: 'boom', retriable: a || b },
    })),
    weight: 2,
  },
  {
    arbitrary: fc
      .integer({ min: -10, max: 110 })
      .map<Step>((weight) => ({ kind: 'event', event: { type: 'weight-applied', weight } })),
    weight: 1,
  },
  { arbitrary: fc.constant<Step>({ kind: 'event', event: { type: 'promoted' } }), weight: 1 },
  { arbitrary: fc.constant<Step>({ kind: 'event', event: { type: 'rolled-back' } }), weight: 1 },
);

const scenarioArb = fc.record({
  plan: planArb,
  verdicts: fc.array(verdictArb, { minLength: 1, maxLength: 12 }),
  /** Most runs begin with a ready canary, so that the long sequences explore progressing, not only deploying. */
  prelude: fc.nat(4),
  steps: fc.array(fc.tuple(stepArb, fc.nat(90_000)), { minLength: 1, maxLength: 60 }),
});

/** Checks every invariant of one transition. */
function checkTransition(prev: RolloutState, event: RolloutEvent, now: number, t: Transition): void {
  const s = t.state;
  const terminal = (p: string) => (TERMINAL_PHASES as readonly string[]).includes(p);
  if (s === prev) {
    expect(t.effects).toEqual([]);
  } else {
    expect(s.revision).toBe(prev.revision + 1);
    expect(s.updatedAt).toBe(now);
  }
  if (terminal(prev.phase)) {
    expect(s).toBe(prev);
    expect(t.log.every((e) => e.type === 'command-rejected')).toBe(true);
  }
  // weights only ever come from the plan, or are 0 / 100
  expect([0, 100, ...s.plan.steps]).toContain(s.weight);
  for (const e of t.effects) if (e.type === 'set-weight') expect(s.plan.steps).toContain(e.weight);
  expect(s.stepIndex).toBeGreaterThanOrEqual(-1);
  expect(s.stepIndex).toBeLessThan(s.plan.steps.length);
  if (s.phase === 'progressing') expect(s.weight).toBe(s.plan.steps[s.stepIndex]);
  // synthetic traffic: only while progressing, and every start or stop is an effect with its log line
  if (s.loadGenerator) expect(s.phase).toBe('progressing');
  // only the engine's own pause for a metrics outage resumes by itself
  if (s.pauseCause !== undefined) expect(s.phase).toBe('paused');
  if (
    s.phase === 'progressing' &&
    prev.phase === 'paused' &&
    !(event.type === 'command' && event.command === 'resume')
  ) {
    expect(prev.pauseCause).toBe('metrics');
    expect(event.type).toBe('measurement');
  }
  if (s.loadGenerator) expect(s.plan.loadGenerator?.rps).toBe(s.loadGenerator.rps);
  const loads = t.effects.filter((e) => e.type === 'load');
  expect(loads.length).toBeLessThanOrEqual(1);
  if (!prev.loadGenerator !== !s.loadGenerator) {
    expect(loads).toEqual([
      s.loadGenerator
        ? { type: 'load', rps: s.loadGenerator.rps, until: s.loadGenerator.until }
        : { type: 'load', rps: 0 },
    ]);
    expect(t.log.some((e) => e.type === (s.loadGenerator ? 'load-generator-started' : 'load-generator-stopped'))).toBe(
      true,
    );
  } else {
    expect(loads).toEqual([]);
  }
  // promotion safety: only an explicit command promotes without a clean, healthy record
  const manual = event.type === 'command' && event.command === 'promote';
  if (s.phase === 'promoting' && prev.phase !== 'promoting' && !manual) {
    expect(prev.phase).toBe('progressing');
    expect(s.analysis.consecutiveMetricFailures).toBe(0);
    expect(s.analysis.consecutiveMetricFailures).toBeLessThan(Math.max(1, s.plan.maxMetricFailures));
    expect(s.analysis.last?.verdict).not.toBe('rollback');
    if (s.plan.analysisEnabled && !s.analysis.skipped) expect(s.analysis.last?.verdict).toBe('healthy');
  }
  // a rollback verdict is acted on at once
  if (t.log.some((e) => e.type === 'analysis' && e.data.verdict === 'rollback')) expect(s.phase).toBe('rolling_back');
  if (s.phase === 'succeeded' && prev.phase !== 'succeeded') expect(prev.phase).toBe('promoting');
  if (s.phase === 'rolled_back' && prev.phase !== 'rolled_back') expect(prev.phase).toBe('rolling_back');
  if (s.phase === 'failed' && prev.phase !== 'failed') expect(prev.phase).toBe('rolling_back');
  // explained: one line, non-empty, with its numbers; every phase change announced
  for (const e of t.log) {
    expect(e.reason.trim()).not.toBe('');
    expect(e.reason).not.toMatch(/[\n\r]/);
    expect(e.at).toBe(now);
    if (e.to !== undefined) expect(Object.values(e.data).some((v) => typeof v === 'number')).toBe(true);
  }
  if (s.phase !== prev.phase) {
    expect(t.log.at(-1)?.to).toBe(s.phase);
    expect(t.effects.some((e) => e.type === 'notify' && e.entry.to === s.phase)).toBe(true);
    expect(s.reason).toBe(t.log.at(-1)?.reason);
  }
  // persisted as JSON: nothing that JSON would lose (NaN, Infinity, functions)
  expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  expect(() => effectsToResume(s)).not.toThrow();
}

describe('engine properties', () => {
  it('random event sequences keep every invariant (and never mutate the input)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ plan, verdicts, prelude, steps }) => {
        const analyzer = scriptedAnalyzer(verdicts);
        let now = T0;
        let state = deepFreeze(
          newRollout({ id: 'p', service: 's', fromVersion: 'a', toVersion: 'b', plan }, analyzer, now).state,
        );
        let canary: VersionCounts = { requests: 0, errors: 0 };
        let stable: VersionCounts = { requests: 5000, errors: 5 };
        const opening: Array<[Step, number]> =
          prelude > 0
            ? [
                [{ kind: 'event', event: { type: 'start' } }, 0],
                [{ kind: 'event', event: { type: 'canary-status', ready: 2, desired: 2 } }, 0],
              ]
            : [];
        for (const [st, dt] of [...opening, ...steps]) {
          now += dt;
          let event: RolloutEvent;
          if (st.kind === 'event') {
            event = st.event;
          } else {
            let m: Measurement;
            if (st.kind === 'junk') {
              m = { phase: 'ok', at: now, stable, canary: { requests: st.requests, errors: 0 } };
            } else {
              const base = st.reset ? { requests: 0, errors: 0 } : canary;
              canary = { requests: base.requests + st.canary[0], errors: base.errors + st.canary[1] };
              stable = { requests: stable.requests + st.stable[0], errors: stable.errors + st.stable[1] };
              m = { phase: 'ok', at: now, stable, canary };
            }
            event = { type: 'measurement', measurement: m };
          }
          const t = step(state, event, now, { analyzer });
          checkTransition(state, event, now, t);
          state = deepFreeze(t.state);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a steadily healthy canary with enough traffic is promoted after at most one measurement per step', () => {
    fc.assert(
      fc.property(planArb, (sparse) => {
        // A deadline that comes before the step's minimum time would (rightly) stop the rollout.
        const plan = { ...sparse, stepDeadlineMs: sparse.stepIntervalMs + 1 + sparse.stepDeadlineMs };
        const analyzer = constantAnalyzer('healthy');
        let now = T0;
        let t = newRollout({ id: 'p', service: 's', fromVersion: 'a', toVersion: 'b', plan }, analyzer, now);
        const send = (event: RolloutEvent, dt = 0) => {
          now += dt;
          t = step(deepFreeze(t.state), event, now, { analyzer });
        };
        send({ type: 'start' });
        send({ type: 'canary-status', ready: 1, desired: 1 });
        let requests = 0;
        const read = (dt: number) =>
          send(
            {
              type: 'measurement',
              measurement: {
                phase: 'ok',
                at: now,
                stable: { requests: requests * 9, errors: 0 },
                canary: { requests, errors: 0 },
              },
            },
            dt,
          );
        read(0); // the reference reading (advances at once only when a step asks for no time and no requests)
        for (let i = 0; i < plan.steps.length && t.state.phase === 'progressing'; i++) {
          requests += plan.minRequestsPerStep;
          read(plan.stepIntervalMs);
        }
        expect(t.state.phase).toBe('promoting');
        send({ type: 'promoted' });
        expect(t.state.phase).toBe('succeeded');
      }),
      { numRuns: 200 },
    );
  });

  it('a metrics outage never promotes, whatever the analyzer said before', () => {
    fc.assert(
      fc.property(planArb, fc.array(fc.nat(120_000), { minLength: 1, maxLength: 40 }), (plan, gaps) => {
        const analyzer = constantAnalyzer('healthy');
        let now = T0;
        let state = newRollout({ id: 'p', service: 's', fromVersion: 'a', toVersion: 'b', plan }, analyzer, now).state;
        for (const event of [{ type: 'start' }, { type: 'canary-status', ready: 1, desired: 1 }] as RolloutEvent[]) {
          state = step(state, event, now, { analyzer }).state;
        }
        for (const [i, gap] of gaps.entries()) {
          now += gap;
          const event: RolloutEvent =
            i % 2 === 0
              ? { type: 'measurement', measurement: { phase: 'error', at: now, reason: 'down' } }
              : { type: 'tick' };
          state = step(state, event, now, { analyzer }).state;
          expect(state.phase).not.toBe('promoting');
        }
      }),
      { numRuns: 200 },
    );
  });
});
