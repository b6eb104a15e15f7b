import { describe, expect, it } from 'vitest';
import { harnessIn } from '../testing/engine-harness.js';
import type { Command, Phase } from './rollout.js';

const R = 'rejected';
/** Phase after each command, or `rejected` (unchanged state, one `command-rejected` log line). */
const TABLE: Record<Phase, Record<Command, Phase | typeof R>> = {
  pending: { pause: R, resume: R, promote: 'promoting', abort: 'rolling_back', 'skip-analysis': 'pending' },
  deploying: { pause: 'paused', resume: R, promote: 'promoting', abort: 'rolling_back', 'skip-analysis': 'deploying' },
  progressing: {
    pause: 'paused',
    resume: R,
    promote: 'promoting',
    abort: 'rolling_back',
    'skip-analysis': 'progressing',
  },
  paused: { pause: R, resume: 'progressing', promote: 'promoting', abort: 'rolling_back', 'skip-analysis': 'paused' },
  promoting: { pause: R, resume: R, promote: R, abort: 'rolling_back', 'skip-analysis': R },
  rolling_back: { pause: R, resume: R, promote: R, abort: R, 'skip-analysis': R },
  succeeded: { pause: R, resume: R, promote: R, abort: R, 'skip-analysis': R },
  rolled_back: { pause: R, resume: R, promote: R, abort: R, 'skip-analysis': R },
  failed: { pause: R, resume: R, promote: R, abort: R, 'skip-analysis': R },
};

const EFFECT: Partial<Record<Phase, string>> = { promoting: 'promote', rolling_back: 'rollback' };

const cases = Object.entries(TABLE).flatMap(([phase, row]) =>
  Object.entries(row).map(([command, outcome]) => [phase as Phase, command as Command, outcome] as const),
);

describe('commands in every phase', () => {
  it.each(cases)('%s + %s → %s', (phase, command, outcome) => {
    const h = harnessIn(phase);
    const before = h.state;
    const t = h.command(command, 'ana');
    if (outcome === R) {
      expect(t.state).toBe(before);
      expect(t.effects).toEqual([]);
      expect(t.log).toHaveLength(1);
      expect(t.log[0]).toMatchObject({ type: 'command-rejected', data: { command, phase, by: 'ana' } });
      expect(t.log[0]!.reason).toMatch(new RegExp(`^${command} by ana rejected: \\S`));
      return;
    }
    expect(t.state.phase).toBe(outcome);
    expect(t.state.revision).toBe(before.revision + 1);
    expect(t.log.length).toBeGreaterThan(0);
    expect(t.log.every((e) => e.reason.includes('by ana'))).toBe(true);
    // every accepted command is told to people
    expect(t.effects.filter((e) => e.type === 'notify')).toHaveLength(t.log.length);
    const work = t.effects.filter((e) => e.type !== 'notify').map((e) => e.type);
    expect(work).toEqual(outcome !== phase && EFFECT[outcome] ? [EFFECT[outcome]] : []);
  });
});

describe('command details', () => {
  it('pause keeps the weight and remembers where it was', () => {
    const h = harnessIn('progressing');
    h.command('pause');
    expect(h.state).toMatchObject({ phase: 'paused', pausedFrom: 'progressing', weight: 10 });
    expect(h.state.reason).toBe('paused by ana at step 1 of 2 (10%); the traffic split stays as it is until resumed');
  });

  it('resume returns to pausedFrom and restarts the step timer, saying so', () => {
    const h = harnessIn('paused');
    h.command('resume');
    expect(h.state).toMatchObject({ phase: 'progressing', pausedFrom: undefined, stepStartedAt: h.now });
    expect(h.state.reason).toBe(
      "resumed by ana: back to progressing at step 1 of 2 (10%); the step's minimum time (30s) counts again from now",
    );
  });

  it('pause and resume while deploying restart the deploy timeout', () => {
    const h = harnessIn('deploying');
    h.command('pause');
    h.tick(500_000);
    expect(h.phase).toBe('paused');
    h.command('resume');
    expect(h.phase).toBe('deploying');
    expect(h.state.reason).toContain('the 2m deploy timeout counts again from now');
    h.tick(119_000);
    expect(h.phase).toBe('deploying');
    h.tick(1_000);
    expect(h.phase).toBe('rolling_back');
  });

  it('promote and abort name who did it and go to 100% / 0%', () => {
    const p = harnessIn('progressing');
    p.command('promote', 'bob');
    expect(p.state).toMatchObject({
      weight: 100,
      reason: 'promoted by bob at step 1 of 2 (10%), skipping the remaining steps',
    });
    const a = harnessIn('paused');
    a.command('abort', 'carol');
    expect(a.state).toMatchObject({
      weight: 0,
      reason: 'aborted by carol at step 1 of 2 (10%)',
      pausedFrom: undefined,
    });
  });

  it('an anonymous command is attributed to "an operator"', () => {
    const h = harnessIn('progressing');
    h.send({ type: 'command', command: 'abort' });
    expect(h.state.reason).toBe('aborted by an operator at step 1 of 2 (10%)');
  });

  it('skip-analysis is logged once, a second time is rejected', () => {
    const h = harnessIn('progressing');
    h.command('skip-analysis');
    expect(h.state.analysis.skipped).toBe(true);
    expect(h.last.log[0]!.type).toBe('analysis-skipped');
    expect(h.command('skip-analysis').log[0]!.reason).toBe(
      'skip-analysis by ana rejected: analysis is already skipped',
    );
  });

  it('skip-analysis before the canary is ready survives into progressing', () => {
    const h = harnessIn('pending');
    h.command('skip-analysis');
    h.toProgressing();
    expect(h.state.analysis.skipped).toBe(true);
  });
});
