// The detached supervisor of one local instance: `node supervisor.js <i>.spec.json`.
//
// It runs in its own session, so it and its child keep running when the controller exits or is killed. It
// restarts the child when it crashes (with doubling backoff, up to maxRestarts), and reports everything in
// `<i>.json` — the platform never talks to it except through that file and signals (SIGTERM = stop).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { instanceFiles, readJson, writeJsonAtomic, type InstanceState, type LaunchSpec } from './instance-files.js';

/** A child that ran this long without crashing starts again with a clean restart count. */
const STABLE_AFTER_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;
const STDERR_LINES = 20;

const specFile = process.argv[2];
const spec = specFile ? readJson<LaunchSpec>(specFile) : undefined;
if (!specFile || !spec) {
  console.error(`supervisor: cannot read launch spec ${specFile ?? '(none given)'}`);
  process.exit(2);
}
const files = instanceFiles(path.dirname(specFile), spec.index);

const state: InstanceState = {
  supervisorPid: process.pid,
  port: spec.port,
  restarts: 0,
  status: 'starting',
  lastStderr: [],
  updatedAt: Date.now(),
};
let child: ChildProcess | undefined;
let restartTimer: NodeJS.Timeout | undefined;
let stopping = false;
let partialLine = '';

function save(patch: Partial<InstanceState>): void {
  Object.assign(state, patch, { updatedAt: Date.now() });
  try {
    writeJsonAtomic(files.state, state);
  } catch (err) {
    console.error(`supervisor: cannot write ${files.state}: ${(err as Error).message}`);
    // Our folder was deleted (the data folder wiped by hand): nobody can find or stop this instance any more,
    // so the only safe thing is to stop it ourselves rather than leave an invisible process holding a port.
    // Any other write error (a full disk) leaves a healthy service alone.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !stopping) stop();
  }
}

/** Log files are kept below this size: the previous one is kept as `.1` when a child (re)starts. */
const MAX_LOG_BYTES = 10 * 1024 * 1024;

function rotate(file: string): void {
  try {
    if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
}

function fail(message: string): void {
  save({ status: 'failed', message, childPid: undefined });
  console.error(`supervisor: ${spec!.service}/${spec!.version}#${spec!.index} failed: ${message}`);
  process.exit(0);
}

function rememberStderr(chunk: Buffer): void {
  try {
    appendFileSync(files.err, chunk);
  } catch {
    // A full disk must not take the service down with it; the tail below still explains crashes.
  }
  const lines = (partialLine + chunk.toString('utf8')).split('\n');
  partialLine = lines.pop() ?? '';
  // Keep a bounded tail of non-empty lines: enough to explain a crash, never the whole log.
  for (const line of lines) if (line.trim() !== '') state.lastStderr.push(line.slice(0, 500));
  if (partialLine.length > 4096) partialLine = partialLine.slice(-4096);
  state.lastStderr.splice(0, Math.max(0, state.lastStderr.length - STDERR_LINES));
}

function lastLine(): string | undefined {
  const pending = partialLine.trim();
  return pending !== '' ? pending : state.lastStderr.at(-1);
}

function start(): void {
  restartTimer = undefined;
  if (stopping) return;
  if (!existsSync(spec!.cwd) || !statSync(spec!.cwd).isDirectory()) {
    fail(`working directory does not exist: ${spec!.cwd}`);
    return;
  }
  rotate(files.out);
  rotate(files.err);
  let out: number;
  try {
    out = openSync(files.out, 'a');
  } catch (err) {
    fail(`cannot open the log file ${files.out}: ${(err as Error).message}`);
    return;
  }
  const [program, ...args] = spec!.argv;
  // detached: the child leads its own process group, so stopping it also stops whatever it started (npm, sh).
  const proc = spawn(program!, args, {
    cwd: spec!.cwd,
    env: spec!.env,
    detached: true,
    stdio: ['ignore', out, 'pipe'],
  });
  closeSync(out);
  child = proc;
  partialLine = '';
  proc.stderr?.on('data', rememberStderr);
  proc.on('spawn', () => save({ status: 'running', childPid: proc.pid, startedAt: Date.now(), message: undefined }));
  proc.on('error', (err: NodeJS.ErrnoException) => {
    // Only spawn failures arrive here; they never get better by retrying.
    if (proc.pid !== undefined) return;
    if (err.code === 'ENOENT') fail(`command not found: ${program}`);
    else if (err.code === 'EACCES') fail(`command is not executable: ${program}`);
    else fail(`cannot start ${program}: ${err.message}`);
  });
  // 'close' (not 'exit'): stderr is fully read by then, so the last line is really the last one.
  proc.on('close', (code, signal) => exited(proc, code, signal));
}

function exited(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
  if (proc.pid === undefined) return;
  const at = Date.now();
  const ranFor = at - (state.startedAt ?? at);
  const last = lastLine();
  save({ lastExit: { code, signal, at }, childPid: undefined });
  if (stopping) {
    save({ status: 'stopped' });
    process.exit(0);
  }
  // sh says "/bin/sh: 1: ./nope: not found"; the user wants to read "command not found: ./nope".
  const missing = last && /^[^:]+: \d+: (.+): not found$/.exec(last);
  if (spec!.shell && code === 127) return fail(`command not found: ${missing ? missing[1] : (last ?? spec!.argv[2])}`);
  if (spec!.shell && code === 126) return fail(`command is not executable: ${last ?? spec!.argv[2]}`);
  if (ranFor >= STABLE_AFTER_MS) state.restarts = 0;
  const how = signal ? `killed by ${signal}` : `exit code ${code}`;
  if (state.restarts >= spec!.maxRestarts) {
    return fail(`exited ${state.restarts + 1} times: ${last ?? how}`);
  }
  const delay = Math.min(spec!.backoffMs * 2 ** state.restarts, MAX_BACKOFF_MS);
  save({
    status: 'backoff',
    restarts: state.restarts + 1,
    message: `restarting in ${delay}ms after ${how}${last ? `: ${last}` : ''}`,
  });
  restartTimer = setTimeout(start, delay);
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (restartTimer) clearTimeout(restartTimer);
  const pid = child?.pid;
  if (pid === undefined || child?.exitCode !== null || child.signalCode !== null) {
    save({ status: 'stopped', childPid: undefined });
    process.exit(0);
  }
  save({ status: 'stopping' });
  signalGroup(pid, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), spec!.graceMs).unref();
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}

// The platform removes an instance by signalling it; a folder deleted by hand is noticed here.
const OWNER_CHECK_MS = 5000;
setInterval(() => {
  if (!existsSync(specFile)) {
    console.error(`supervisor: ${specFile} is gone; stopping`);
    stop();
  }
}, OWNER_CHECK_MS).unref();

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Writing to a closed log must not kill the supervisor of a healthy child.
process.on('SIGPIPE', () => undefined);
save({});
start();
