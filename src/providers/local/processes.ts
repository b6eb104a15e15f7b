import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * True while `pid` names a live process. A zombie (exited, not yet reaped by its parent) counts as gone:
 * it will never serve again, and `kill(pid, 0)` alone would call it alive.
 */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  // Field 3 of /proc/<pid>/stat, after the parenthesised command name.
  return stat === undefined || !/^\d+ \(.*\) Z/s.test(stat);
}

/** True while any process of the group led by `pgid` is alive. */
export function isGroupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined || pgid <= 0) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` is alive and its command line mentions `marker` (the launch spec path). Guards against a
 * recycled pid: after a reboot or a long time, a pid in an old state file may belong to someone else.
 * Where /proc does not exist the pid alone has to do.
 */
export function isProcessOf(pid: number | undefined, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return true;
  }
}

/** Sends a signal to a process or, with a negative id, a process group; a missing target is not an error. */
export function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined || pid === 0) return;
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone, or never ours.
  }
}

/** Polls `check` until it is true or `timeoutMs` passes; returns the last result. */
export async function waitUntil(check: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/**
 * `count` distinct loopback ports free right now. All are held open until every one is known, so the system
 * cannot hand out the same port twice; a small race with other programs remains (the service then fails to
 * listen, crashes, and the supervisor's message says so).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const srv = createServer();
      servers.push(srv);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function procStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}
