import { describe, expect, it } from 'vitest';
import type { RolloutEvent } from '../core/rollout.js';
import { putApproval } from '../gates/approvals.js';
import { GateRunner } from '../gates/runner.js';
import { silentLogger } from '../logger.js';
import type { HookConfig } from '../spec/gates.js';
import { EngineHarness } from '../testing/engine-harness.js';
import { FakeStore } from '../testing/fake-store.js';
import { DriverGates } from './driver-gates.js';

const approval = (type: HookConfig['type']): HookConfig => ({
  kind: 'approval',
  name: 'sign-off',
  type,
  timeout: 600_000,
  retries: 0,
  onFailure: 'rollback',
});

function gatesWith(hooks: HookConfig[]): { gates: DriverGates; store: FakeStore; woken: Promise<void> } {
  const store = new FakeStore();
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const runner = new GateRunner({ hooks, store, log: silentLogger, approvalPollMs: 5 });
  return { gates: new DriverGates({ gates: runner }, silentLogger, wake), store, woken };
}

describe('DriverGates', () => {
  it('passes a gate at once when no hooks are configured, waking the loop with the result', async () => {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const gates = new DriverGates({}, silentLogger, wake);
    gates.start('confirm-promotion', new EngineHarness().state, false);
    await woken;
    const expected: RolloutEvent = {
      type: 'gate-result',
      point: 'confirm-promotion',
      passed: true,
      reason: 'no hooks configured',
      onFailure: 'rollback',
    };
    expect(gates.takeResults()).toEqual([expected]);
    expect(gates.takeResults()).toEqual([]);
    await gates.close();
  });

  it('hands back a blocking gate result once its hooks finish (an approval given later)', async () => {
    const { gates, store, woken } = gatesWith([approval('confirm-promotion')]);
    const state = new EngineHarness().state;
    gates.start('confirm-promotion', state, false);
    expect(gates.takeResults()).toEqual([]);
    await putApproval(store, state.id, { point: 'confirm-promotion', approved: true, by: 'alice', at: 0 });
    await woken;
    expect(gates.takeResults()).toEqual([
      {
        type: 'gate-result',
        point: 'confirm-promotion',
        passed: true,
        reason: expect.stringContaining('alice'),
        onFailure: 'rollback',
      },
    ]);
    await gates.close();
  });

  it('waits on close for informational hooks, whose outcome is never a gate result', async () => {
    const { gates, store } = gatesWith([approval('post-rollout')]);
    const state = new EngineHarness().state;
    gates.start('post-rollout', state, true);
    const closed = gates.close();
    await putApproval(store, state.id, { point: 'post-rollout', approved: true, by: 'bob', at: 0 });
    await closed;
    // The hook took the approval before close() resolved.
    expect(await store.getValue(`approval:${state.id}`)).toBeUndefined();
    expect(gates.takeResults()).toEqual([]);
  });
});
