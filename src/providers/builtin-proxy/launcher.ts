import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, ProviderError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { parseHostPort } from '../../proxy/address.js';
import type { AdminClient } from './admin-client.js';
import { proxyPaths, type ProxyPaths } from './paths.js';

export interface LaunchSpec {
  service: string;
  listen: string;
  admin: string;
  paths: ProxyPaths;
  /** Pass the token through this environment variable instead of the token file. */
  tokenEnv?: string;
  /** How long a fresh proxy has to answer on its admin address. */
  startTimeoutMs?: number;
  log: Logger;
}

/** Repository root, from this file's place in `src/` (tsx, tests) or `dist/` (built CLI). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * How to run `chimera proxy`: the built CLI when Chimera runs built; from the TypeScript sources through tsx when
 * it runs from source, so tests never depend on a stale `dist/`.
 */
export function proxyCommand(): string[] {
  if (import.meta.url.endsWith('.ts')) {
    return ['--import', import.meta.resolve('tsx'), resolve(ROOT, 'src/proxy/entry.ts'), 'proxy'];
  }
  return [resolve(ROOT, 'bin/chimera.js'), 'proxy'];
}

/**
 * Makes sure our proxy answers on `spec.admin`: adopts a running one, or starts `chimera proxy` DETACHED (its own
 * process group, stdio to a log file) so it outlives the controller, then waits until it answers. Something else
 * on the address, or the proxy of another service, is a ConfigError naming the address.
 */
export async function ensureProxy(spec: LaunchSpec, client: AdminClient, signal: AbortSignal): Promise<void> {
  const probe = await client.probe(signal);
  if (probe.state === 'ours') return checkIdentity(spec, probe.identity);
  if (probe.state === 'foreign') throw new ConfigError(`router.admin: ${probe.reason}`);

  await mkdir(spec.paths.dir, { recursive: true, mode: 0o700 });
  const args = [
    ...proxyCommand(),
    '--listen',
    spec.listen,
    '--admin',
    spec.admin,
    '--state',
    spec.paths.state,
    '--pid-file',
    spec.paths.pid,
    '--service',
    spec.service,
    ...(spec.tokenEnv ? ['--token-env', spec.tokenEnv] : ['--token-file', spec.paths.token]),
  ];
  const out = openSync(spec.paths.log, 'a');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], cwd: ROOT });
  closeSync(out);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.once('error', () => (exited = -1));
  child.unref();
  spec.log.info({ pid: child.pid, admin: spec.admin, listen: spec.listen }, 'started chimera proxy');

  const deadline = Date.now() + (spec.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    await sleep(100, undefined, { signal });
    const again = await client.probe(signal);
    // Another controller may have started it first: whoever answers as our proxy is adopted.
    if (again.state === 'ours') return checkIdentity(spec, again.identity);
    if (exited !== undefined) {
      const tail = await logTail(spec.paths.log);
      throw new ConfigError(`chimera proxy for ${spec.service} exited (code ${exited}) at start: ${tail}`);
    }
  }
  child.kill('SIGTERM');
  throw new ProviderError(
    `chimera proxy for ${spec.service} did not answer on ${spec.admin} within ${(spec.startTimeoutMs ?? 30_000) / 1000}s; see ${spec.paths.log}`,
    'builtin-proxy',
    true,
  );
}

function checkIdentity(spec: LaunchSpec, id: { service: string | null; listen: string; pid: number }): void {
  if (id.service !== null && id.service !== spec.service) {
    throw new ConfigError(`router.admin: ${spec.admin} is the proxy of service '${id.service}', not '${spec.service}'`);
  }
  const want = parseHostPort(spec.listen, 'router.listen').port;
  if (want !== 0 && parseHostPort(id.listen, 'listen').port !== want) {
    throw new ConfigError(
      `router.listen: the proxy on ${spec.admin} (pid ${id.pid}) listens on ${id.listen}, not ${spec.listen}; stop it or change the spec`,
    );
  }
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-3).join(' | ') || '(no output)';
}

/**
 * Stops the proxy of `service` started under `dataDir` (SIGTERM, then SIGKILL after `graceMs`), found through
 * its pid file. No error when it does not run. Real rollouts never call this — the proxy outlives them — but the
 * demo and tests clean up after themselves.
 */
export async function stopProxy(where: { dataDir: string; service: string; graceMs?: number }): Promise<void> {
  const { pid: pidFile } = proxyPaths(where.dataDir, where.service);
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !(await isOurProxy(pid))) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + (where.graceMs ?? 10_000);
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await sleep(50);
  }
  await unlink(pidFile).catch(() => undefined);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Guards against a stale pid file whose number now belongs to another process. */
async function isOurProxy(pid: number): Promise<boolean> {
  if (!alive(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  return cmdline === null || cmdline.split('\0').includes('proxy');
}
