import { describe, expect, it } from 'vitest';
import { EngineHarness } from '../testing/engine-harness.js';
import { constantAnalyzer, fakeAnalyzer, scriptedAnalyzer } from '../testing/fake-analyzer.js';
import type { Analyzer } from '../ports/analyzer.js';

/** Progressing at step 1 with some healthy traffic, then a metrics outage of `maxMetricFailures` (3) reads. */
function outage(analyzer: Analyzer = constantAnalyzer('healthy')): EngineHarness {
  const h = new EngineHarness({ analyzer });
  h.toProgressing();
  h.traffic([50, 0], undefined, 5_000);
  for (let i = 0; i < 3; i++) h.failRead('error', 5_000);
  expect(h.phase).toBe('paused');
  expect(h.state.pauseCause).toBe('metrics');
  return h;
}

describe('a pause for a metrics outage ends by itself', () => {
  it('resumes on the first usable reading, with an event saying so, and the step timer restarts', () => {
    const h = outage();
    expect(h.state.reason).toContain('until metrics are readable again or it is resumed');
    h.failRead('no-data', 60_000);
    expect(h.phase).toBe('paused');
    const t = h.traffic([60, 0], undefined, 60_000);
    expect(h.phase).toBe('progressing');
    expect(h.state).toMatchObject({ stepStartedAt: h.now, pausedFrom: undefined, pauseCause: undefined });
    expect(t.log.map((e) => e.type)).toEqual(['analysis', 'metrics-restored', 'resumed']);
    const resumed = t.log.at(-1)!;
    expect(resumed).toMatchObject({ from: 'paused', to: 'progressing', data: { automatic: true } });
    expect(resumed.reason).toBe(
      "metrics readable again: resuming by itself at step 1 of 2 (10%); the step's minimum time (30s) counts again from now",
    );
    expect(t.effects.some((e) => e.type === 'notify' && e.entry.type === 'resumed')).toBe(true);
    // Then it goes on as usual: the next step after the minimum time, with a healthy verdict.
    h.traffic([100, 0], undefined, 30_000);
    expect(h.state.stepIndex).toBe(1);
  });

  it('never advances or promotes in the same transition as the resume, even when the step is already satisfied', () => {
    // Found by the property test: no minimum time, one step; the returning reading would complete it at once.
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy'), plan: { steps: [10], stepIntervalMs: 0 } });
    h.toProgressing();
    for (let i = 0; i < 3; i++) h.failRead('error', 1_000);
    expect(h.phase).toBe('paused');
    const t = h.traffic([200, 0], undefined, 1_000);
    expect(h.phase).toBe('progressing');
    expect(t.log.at(-1)!.type).toBe('resumed');
    expect(t.effects.filter((e) => e.type === 'promote' || e.type === 'set-weight')).toEqual([]);
    // The next reading judges the step, from a recorded progressing state.
    h.traffic([200, 0], undefined, 1_000);
    expect(h.phase).toBe('promoting');
  });

  it('a rollback verdict on the returning reading wins over resuming', () => {
    const h = outage(scriptedAnalyzer(['healthy', 'rollback']));
    h.traffic([20, 10]);
    expect(h.phase).toBe('rolling_back');
    expect(h.state.pauseCause).toBeUndefined();
  });

  it('a reading the analyzer cannot use is still an outage: no resume', () => {
    let n = 0;
    const h = outage(
      fakeAnalyzer(() => {
        if (++n > 1) throw new Error('analyzer broke');
        return 'healthy';
      }),
    );
    h.traffic([20, 0]);
    expect(h.phase).toBe('paused');
    expect(h.state.pauseCause).toBe('metrics');
  });

  it('a person resuming first: an ordinary resume, and the cause is gone', () => {
    const h = outage();
    h.command('resume');
    expect(h.phase).toBe('progressing');
    expect(h.state.pauseCause).toBeUndefined();
  });
});

describe('a pause a person made stays until resumed', () => {
  it('paused by a person before the outage: metrics returning change nothing', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy') });
    h.toProgressing();
    h.command('pause');
    for (let i = 0; i < 4; i++) h.failRead('error', 5_000);
    h.traffic([50, 0]);
    expect(h.phase).toBe('paused');
    expect(h.state.pauseCause).toBeUndefined();
    expect(h.logTypes()).not.toContain('resumed');
  });

  it('paused by a person while held for the outage: it now stays paused, and says so', () => {
    const h = outage();
    const t = h.command('pause', 'ana');
    expect(t.log.map((e) => e.type)).toEqual(['paused']);
    expect(h.state.reason).toBe(
      'paused by ana at step 1 of 2 (10%) (already held for a metrics outage); it now stays paused until resumed, ' +
        'even once metrics are readable again',
    );
    expect(h.state.pauseCause).toBeUndefined();
    h.traffic([50, 0]);
    expect(h.phase).toBe('paused');
    // A second pause is the ordinary "already paused".
    expect(h.command('pause').log[0]!.type).toBe('command-rejected');
  });

  it('a step-deadline pause is not an outage: a good reading does not resume it', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('inconclusive') });
    h.toProgressing();
    h.tick(300_000);
    expect(h.phase).toBe('paused');
    expect(h.state.pauseCause).toBeUndefined();
    h.traffic([50, 0]);
    expect(h.phase).toBe('paused');
  });
});
