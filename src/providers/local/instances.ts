import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InternalError } from '../../errors.js';
import {
  instanceFiles,
  readJson,
  STATE_FILE,
  writeJsonAtomic,
  type InstanceState,
  type LaunchSpec,
} from './instance-files.js';
import { isAlive, isGroupAlive, isProcessOf, signal, waitUntil } from './processes.js';

/** One instance as found on disk, with liveness checked. */
export interface InstanceView {
  index: number;
  files: ReturnType<typeof instanceFiles>;
  spec?: LaunchSpec;
  state?: InstanceState;
  supervisorPid?: number;
  supervisorAlive: boolean;
  childAlive: boolean;
}

/** Reads instance `index` of a version folder and checks its processes. */
export function readInstance(dir: string, index: number): InstanceView {
  const files = instanceFiles(dir, index);
  const spec = readJson<LaunchSpec>(files.spec);
  const state = readJson<InstanceState>(files.state);
  const supervisorPid = state?.supervisorPid ?? readJson<number>(files.pid);
  return {
    index,
    files,
    spec,
    state,
    supervisorPid,
    supervisorAlive: isProcessOf(supervisorPid, files.spec),
    childAlive: isGroupAlive(state?.childPid),
  };
}

/** Indexes of every instance with a launch spec or state file in the folder. */
export function instanceIndexes(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found = new Set<number>();
  for (const name of names) {
    const m = STATE_FILE.exec(name) ?? /^(\d+)\.spec\.json$/.exec(name);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * Starts a detached supervisor for `spec`. The platform writes the launch spec and the supervisor's pid; the
 * supervisor alone writes the state file. Nothing here waits for the service.
 */
export function startInstance(dir: string, spec: LaunchSpec): void {
  const files = instanceFiles(dir, spec.index);
  // A state file from an earlier run would describe processes that are gone; the new supervisor writes its own.
  rmSync(files.state, { force: true });
  writeJsonAtomic(files.spec, spec);
  const log = openSync(files.supervisorLog, 'a');
  try {
    const { command, args } = supervisorCommand();
    // detached: a new session, so neither the controller's exit nor a Ctrl-C in its terminal reaches it.
    const proc = spawn(command, [...args, files.spec], { detached: true, stdio: ['ignore', log, log], cwd: dir });
    proc.on('error', () => undefined);
    if (proc.pid === undefined) throw new InternalError(`could not start the local supervisor (${command})`);
    writeFileSync(files.pid, String(proc.pid));
    proc.unref();
  } finally {
    closeSync(log);
  }
}

/**
 * Stops an instance and waits until its processes are gone: SIGTERM to the supervisor (which stops its child
 * gracefully), then SIGKILL to both once the grace period is over. Works when the supervisor is already dead.
 */
export async function stopInstance(view: InstanceView, graceMs: number): Promise<void> {
  const supervisor = view.supervisorAlive ? view.supervisorPid : undefined;
  const pgid = view.state?.childPid;
  if (supervisor !== undefined) signal(supervisor, 'SIGTERM');
  else if (pgid !== undefined) signal(-pgid, 'SIGTERM');
  // The child may have been (re)started since the view was read: always look at the current state file.
  const currentChild = () => readJson<InstanceState>(view.files.state)?.childPid ?? pgid;
  const gone = () => !isAlive(supervisor) && !isGroupAlive(currentChild());
  if (!(await waitUntil(gone, graceMs + 1000))) {
    signal(supervisor, 'SIGKILL');
    signal(-(currentChild() ?? 0), 'SIGKILL');
    await waitUntil(gone, 5000);
  }
}

/** Removes every file of instance `index`. */
export function removeInstanceFiles(dir: string, index: number): void {
  for (const file of Object.values(instanceFiles(dir, index))) rmSync(file, { force: true });
}

let resolved: { command: string; args: string[] } | undefined;

/**
 * How to run the supervisor: the compiled `supervisor.js` beside this module when Chimera runs from `dist/`,
 * or `supervisor.ts` through tsx when it runs from source (tests, `tsx src/...`).
 */
export function supervisorCommand(): { command: string; args: string[] } {
  if (resolved) return resolved;
  const js = fileURLToPath(new URL('./supervisor.js', import.meta.url));
  if (existsSync(js)) return (resolved = { command: process.execPath, args: [js] });
  const ts = fileURLToPath(new URL('./supervisor.ts', import.meta.url));
  if (existsSync(ts)) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return (resolved = { command: process.execPath, args: ['--import', tsx, ts] });
  }
  throw new InternalError(`the local platform's supervisor is missing next to ${fileURLToPath(import.meta.url)}`);
}
