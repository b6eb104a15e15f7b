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

export async function putPendingCommand(store: Store, rolloutId: string, cmd: PendingCommand): Promise<void> {
  const existing = await store.getValue(key(rolloutId));
  if (existing) {
    const prev = JSON.parse(existing) as PendingCommand;
    throw new ConflictError(`a '${prev.command}' command for this rollout is still waiting to be applied`);
  }
  await store.setValue(key(rolloutId), JSON.stringify(cmd));
}

export async function takePendingCommand(
  store: Store,
  rolloutId: string,
): Promise<{ command: Command; by?: string } | undefined> {
  const raw = await store.getValue(key(rolloutId));
  if (!raw) return undefined;
  await store.setValue(key(rolloutId), undefined);
  try {
    const cmd = JSON.parse(raw) as PendingCommand;
    return { command: cmd.command, ...(cmd.by ? { by: cmd.by } : {}) };
  } catch {
    return undefined;
  }
}
