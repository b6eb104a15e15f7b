import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Shared by the platform and the detached supervisor: only node built-ins here, so the supervisor starts fast.

/** What the platform asks a supervisor to run. Written once by the platform, read by the supervisor. */
export interface LaunchSpec {
  service: string;
  version: string;
  index: number;
  /** Program and arguments, already substituted; a string command arrives as `['/bin/sh', '-c', cmd]`. */
  argv: string[];
  /** True when argv is `/bin/sh -c …`: exit 127/126 then mean "not found"/"not executable". */
  shell: boolean;
  cwd: string;
  /** The child's complete environment. */
  env: Record<string, string>;
  port: number;
  maxRestarts: number;
  backoffMs: number;
  /** Time the child gets between SIGTERM and SIGKILL. */
  graceMs: number;
  /** Identity of what the spec asks for (command, cwd, spec env, restart policy): a change means replace. */
  fingerprint: string;
}

export type InstanceStatus = 'starting' | 'running' | 'backoff' | 'failed' | 'stopping' | 'stopped';

/** What a supervisor reports about its instance. Written only by the supervisor, always atomically. */
export interface InstanceState {
  supervisorPid: number;
  /** Also the child's process group id: the supervisor starts it as a group leader. */
  childPid?: number;
  port: number;
  restarts: number;
  status: InstanceStatus;
  /** Epoch ms the current child started. */
  startedAt?: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
  /** The child's last stderr lines, newest last. */
  lastStderr: string[];
  /** Why the instance failed or is restarting. */
  message?: string;
  updatedAt: number;
}

/** The files of instance `i` in a version's folder. */
export function instanceFiles(dir: string, index: number) {
  const base = path.join(dir, String(index));
  return {
    state: `${base}.json`,
    spec: `${base}.spec.json`,
    /** The supervisor's pid, written by the platform right after spawning it (before the state file exists). */
    pid: `${base}.pid`,
    out: `${base}.out.log`,
    err: `${base}.err.log`,
    supervisorLog: `${base}.supervisor.log`,
  };
}

/** Instance state files are `<i>.json`; the other files of the folder share the prefix. */
export const STATE_FILE = /^(\d+)\.json$/;

/** Write-then-rename, so a reader never sees half a file even if the writer is killed mid-write. */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode });
  renameSync(tmp, file);
}

/** The parsed file, or undefined when it does not exist or is not valid JSON. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
