import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logger.js';
import type { Platform } from '../../src/ports/platform.js';
import { localPlatformConfig, type LocalPlatformConfig } from '../../src/providers/local/config.js';
import { createPlatform } from '../../src/providers/local/index.js';
import { isAlive, isGroupAlive } from '../../src/providers/local/processes.js';

export const SAMPLE_DIR = fileURLToPath(new URL('../../examples/sample-service/', import.meta.url));

/** A local platform config running the sample service, with test-friendly restart and readiness settings. */
export function sampleConfig(extra: Record<string, unknown> = {}): LocalPlatformConfig {
  return localPlatformConfig.parse({
    kind: 'local',
    command: [process.execPath, 'server.js'],
    cwd: SAMPLE_DIR,
    readiness: { path: '/healthz', timeout: '20s', interval: '100ms' },
    restart: { maxRestarts: 2, backoff: '100ms' },
    ...extra,
  });
}

/** A temporary data folder and the platforms made on it; `cleanup` kills whatever is still running there. */
export class LocalWorld {
  /** A fresh temporary folder, or an existing one (a second process working on the same state). */
  constructor(readonly dataDir = mkdtempSync(path.join(tmpdir(), 'chimera-local-'))) {}

  platform(config: LocalPlatformConfig, service = 'web'): Promise<Platform> {
    return createPlatform(config, { service, dataDir: this.dataDir, log: silentLogger });
  }

  /** Every supervisor and child pid recorded under the data folder. */
  pids(): number[] {
    const found: number[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/^\d+\.pid$/.test(e.name)) found.push(Number(readFileSync(p, 'utf8')));
        else if (/^\d+\.json$/.test(e.name)) {
          try {
            const s = JSON.parse(readFileSync(p, 'utf8')) as { supervisorPid?: number; childPid?: number };
            if (s.supervisorPid) found.push(s.supervisorPid);
            if (s.childPid) found.push(-s.childPid);
          } catch {
            // Half-written or gone.
          }
        }
      }
    };
    try {
      walk(this.dataDir);
    } catch {
      // Nothing there.
    }
    return found;
  }

  /** Safety net for failed tests: SIGKILL everything recorded here, then delete the folder. */
  cleanup(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * True while a pid (or, negative, a process group) exists. An exited supervisor may stay a zombie for a moment
 * until this test process reaps it: that counts as gone.
 */
export function alive(pid: number): boolean {
  return pid < 0 ? isGroupAlive(-pid) : isAlive(pid);
}
