import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/demo/demo-environment.js';
import { SAMPLE_SERVICE } from '../../src/demo/demo-spec.js';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(REPO, 'bin', 'chimera.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`npm test` builds first) as a real child process. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export function spawnCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, CHIMERA_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface Workspace {
  dir: string;
  dataDir: string;
  spec: string;
  listen: number;
  admin: number;
}

/**
 * A temporary folder with a spec for the sample service on free loopback ports. `body` overrides parts of the
 * spec; the defaults make a rollout that takes a few seconds per step under load.
 */
export async function workspace(
  opts: { service?: string; strategy?: string; platformExtra?: string } = {},
): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'chimera-e2e-'));
  const [listen, admin] = [await freePort(), await freePort()];
  const service = opts.service ?? 'shop';
  const spec = `apiVersion: chimera.dev/v1
kind: Canary
metadata:
  name: ${service}
spec:
  version: v2
  stableVersion: v1
  platform:
    kind: local
    command: ["${process.execPath}", "${SAMPLE_SERVICE}"]
    replicas: 2
    env: { ERROR_RATE: "0.002", LATENCY_MS: "2" }
    versions:
      v3: { env: { ERROR_RATE: "0.3" } }
    readiness: { path: /healthz, timeout: 20s, interval: 100ms }
${opts.platformExtra ?? ''}
  router: { kind: builtin-proxy, listen: "127.0.0.1:${listen}", admin: "127.0.0.1:${admin}" }
  metrics: { kind: builtin-proxy }
  strategy:
${opts.strategy ?? '    steps: [10, 30, 50]\n    interval: 2s\n    minRequests: 20\n    stepDeadline: 60s'}
  analysis:
    mode: sequential
    interval: 500ms
    # Generous margins: these tests are about the controller, and must reach "healthy" quickly on a busy machine.
    # On a CPU-starved host the version serving fewer requests per process has the longer tail (it waits more
    # often to be scheduled): CI saw 2.8 times the baseline's share of requests over 10 ms on a healthy canary.
    absoluteTolerance: 2%
    latencyTolerance: 2
    onInconclusive: rollback
`;
  const file = join(dir, 'chimera.yaml');
  await writeFile(file, spec);
  return { dir, dataDir: join(dir, 'state'), spec: file, listen, admin };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}
