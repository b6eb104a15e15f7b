import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { openStore } from '../store/index.js';
import { putPendingCommand, takePendingCommand } from './pending-commands.js';

/** Two handles on one SQLite file stand for two processes (a CLI and the driving controller, or two replicas). */
describe('pending commands', () => {
  let dir: string;
  let a: Store;
  let b: Store;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-pending-'));
    a = await openStore(dir, silentLogger);
    b = await openStore(dir, silentLogger);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a second command while one waits is a conflict naming the waiting one, and changes nothing', async () => {
    await putPendingCommand(a, 'r1', { command: 'pause', by: 'ann', at: 1 });
    const err = await putPendingCommand(b, 'r1', { command: 'abort', at: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toContain("a 'pause' command");
    expect(await takePendingCommand(a, 'r1')).toEqual({ command: 'pause', by: 'ann' });
    expect(await takePendingCommand(a, 'r1')).toBeUndefined();
  });

  it('of commands written at once by two processes exactly one is kept, and it is taken exactly once', async () => {
    for (let round = 0; round < 20; round++) {
      const id = `r-${round}`;
      const puts = await Promise.allSettled([
        putPendingCommand(a, id, { command: 'pause', at: round }),
        putPendingCommand(b, id, { command: 'abort', at: round }),
      ]);
      expect(puts.filter((p) => p.status === 'fulfilled')).toHaveLength(1);
      const taken = await Promise.all([takePendingCommand(a, id), takePendingCommand(b, id)]);
      expect(taken.filter((t) => t !== undefined)).toHaveLength(1);
    }
  });
});
