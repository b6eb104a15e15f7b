import { ConflictError } from '../errors.js';
import type { Command } from '../core/rollout.js';
import type { Store } from '../ports/store.js';

/**
 * Commands given by a process that does not drive the rollout (`chimera abort checkout` while `chimera run`
 * drives it) are written to the store; the driving controller takes them on its next cycle. Persisting them
 * means a command given while no controller runs is not lost: it applies when the rollout is resumed.
 */
export interface PendingCommand {
  command: Command;
  by?: string;
  at: number;
}

const key = (rolloutId: string): string => `pending-command:${rolloutId}`;

/** Writes the command unless another one still waits (ConflictError): atomic, so two writers cannot both win. */
export async function putPendingCommand(store: Store, rolloutId: string, cmd: PendingCommand): Promise<void> {
  if (await store.compareAndSet(key(rolloutId), undefined, JSON.stringify(cmd))) return;
  const existing = await store.getValue(key(rolloutId));
  let waiting = 'another';
  try {
    waiting = `a '${(JSON.parse(existing ?? '') as PendingCommand).command}'`;
  } catch {
    // An unreadable record still blocks: the driver clears it on its next cycle.
  }
  throw new ConflictError(`${waiting} command for this rollout is still waiting to be applied`);
}

/** Takes the waiting command, if any: removed only if still the one read, so it is applied exactly once. */
export async function takePendingCommand(
  store: Store,
  rolloutId: string,
): Promise<{ command: Command; by?: string } | undefined> {
  const raw = await store.getValue(key(rolloutId));
  if (!raw) return undefined;
  if (!(await store.compareAndSet(key(rolloutId), raw, undefined))) return undefined;
  try {
    const cmd = JSON.parse(raw) as PendingCommand;
    return { command: cmd.command, ...(cmd.by ? { by: cmd.by } : {}) };
  } catch {
    return undefined;
  }
}
