import { describe, expect, it } from 'vitest';
import type { RolloutEvent } from '../core/rollout.js';
import { RetryQueue } from './driver-retries.js';
import type { PortEffect } from './effect-runner.js';

const failed = (retriable: boolean): RolloutEvent => ({
  type: 'effect-failed',
  effect: 'set-weight',
  reason: 'router down',
  retriable,
});

describe('RetryQueue', () => {
  it('holds a retriable failure until its back-off ends, then hands it out once', () => {
    const q = new RetryQueue();
    const effect: PortEffect = { type: 'set-weight', weight: 10 };
    q.settled([failed(true)], 1_000);
    q.note(effect, failed(true));
    expect(q.takeDue(1_499)).toEqual([]);
    expect(q.takeDue(1_500)).toEqual([effect]);
    expect(q.takeDue(1_500)).toEqual([]);
  });

  it('doubles the back-off on each failure in a row, up to 30 s, and resets it after a success', () => {
    const q = new RetryQueue();
    const effect: PortEffect = { type: 'set-weight', weight: 10 };
    const delays: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      q.settled([failed(true)], 0);
      q.note(effect, failed(true));
      let wait = 0;
      while (q.takeDue(wait).length === 0) wait += 250;
      delays.push(wait);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    q.settled([], 0);
    q.settled([failed(true)], 0);
    q.note(effect, failed(true));
    expect(q.takeDue(499)).toEqual([]);
    expect(q.takeDue(500)).toEqual([effect]);
  });

  it('keeps only the latest request of each kind, and never a failure that will not pass on retry', () => {
    const q = new RetryQueue();
    const first: PortEffect = { type: 'set-weight', weight: 10 };
    const newest: PortEffect = { type: 'set-weight', weight: 20 };
    const deploy: PortEffect = { type: 'deploy-canary' };
    q.note(first, failed(true));
    q.note(deploy, failed(true));
    q.note(newest, failed(true));
    q.note({ type: 'promote' }, failed(false));
    q.note({ type: 'rollback' }, { type: 'rolled-back' });
    expect(q.takeDue(0)).toEqual([deploy, newest]);
  });
});
