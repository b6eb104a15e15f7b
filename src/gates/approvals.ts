import type { GatePoint } from '../core/rollout.js';
import type { Store } from '../ports/store.js';

/**
 * Manual approvals travel through the store, so `chimera approve` (or the dashboard, or the API) in any process
 * reaches the controller that drives the rollout, and an approval given while no controller runs is kept.
 */
export interface Approval {
  point: GatePoint;
  approved: boolean;
  by: string;
  at: number;
}

const key = (rolloutId: string): string => `approval:${rolloutId}`;

export async function putApproval(store: Store, rolloutId: string, a: Approval): Promise<void> {
  await store.setValue(key(rolloutId), JSON.stringify(a));
}

/** Takes (and removes) the answer for `point`; an answer meant for another gate is left alone. */
export async function takeApproval(store: Store, rolloutId: string, point: GatePoint): Promise<Approval | undefined> {
  const raw = await store.getValue(key(rolloutId));
  if (!raw) return undefined;
  let a: Approval;
  try {
    a = JSON.parse(raw) as Approval;
  } catch {
    await store.setValue(key(rolloutId), undefined);
    return undefined;
  }
  if (a.point !== point) return undefined;
  await store.setValue(key(rolloutId), undefined);
  return a;
}

export async function clearApproval(store: Store, rolloutId: string): Promise<void> {
  await store.setValue(key(rolloutId), undefined);
}
