import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Store } from '../ports/store.js';

/**
 * Who drives a rollout. Exactly one controller process may run a rollout's effects; the lease in the store says
 * which. A lease is taken over when its holder stopped renewing it, or at once when the holder was a process on
 * this host that no longer exists (a SIGKILLed `chimera run`), so a restarted controller resumes immediately.
 */
export interface LeaseRecord {
  owner: string;
  host: string;
  pid: number;
  renewedAt: number;
}

export const OWNER_ID = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export class RolloutLease {
  constructor(
    private readonly store: Store,
    private readonly rolloutId: string,
    private readonly ttlMs: number,
  ) {}

  private get key(): string {
    return `lease:${this.rolloutId}`;
  }

  /**
   * Takes or renews the lease; returns the current holder when somebody else holds a live one. The write is a
   * compare-and-set over the value just read, so two controllers sharing a store (two replicas on one Postgres,
   * two processes on one SQLite file) can never both come away believing they hold it.
   */
  async acquire(now: number): Promise<{ ok: true } | { ok: false; holder: LeaseRecord }> {
    for (;;) {
      const raw = await this.store.getValue(this.key);
      const current = parse(raw);
      if (current && current.owner !== OWNER_ID && isAlive(current, now, this.ttlMs)) {
        return { ok: false, holder: current };
      }
      const mine: LeaseRecord = { owner: OWNER_ID, host: hostname(), pid: process.pid, renewedAt: now };
      if (await this.store.compareAndSet(this.key, raw, JSON.stringify(mine))) return { ok: true };
      // Someone wrote between the read and the write: look again (they may have taken it, or released it).
    }
  }

  /** Gives the lease up, only if this process still holds it (a successor's lease is never deleted). */
  async release(): Promise<void> {
    const raw = await this.store.getValue(this.key);
    if (parse(raw)?.owner === OWNER_ID) await this.store.compareAndSet(this.key, raw, undefined);
  }

  async read(): Promise<LeaseRecord | undefined> {
    return parse(await this.store.getValue(this.key));
  }
}

function parse(raw: string | undefined): LeaseRecord | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as LeaseRecord;
  } catch {
    return undefined;
  }
}

function isAlive(lease: LeaseRecord, now: number, ttlMs: number): boolean {
  if (now - lease.renewedAt > ttlMs) return false;
  if (lease.host === hostname()) return processExists(lease.pid);
  return true;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
