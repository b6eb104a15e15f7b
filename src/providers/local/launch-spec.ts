import { createHash } from 'node:crypto';
import type { LocalPlatformConfig } from './config.js';
import type { LaunchSpec } from './instance-files.js';

/** Time a stopping instance gets between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 5000;

/**
 * Variables of the controller's own environment that never reach a service: Chimera's settings and tokens
 * are for Chimera. Everything else (PATH, HOME, locale...) is inherited, as a shell would.
 */
const PRIVATE_ENV = /^CHIMERA_/;

/** `${VERSION}` and `${PORT}` are replaced; any other `${...}` is left for the program (or the shell) to read. */
export function substitute(text: string, vars: { VERSION: string; PORT: string }): string {
  return text.replace(/\$\{(VERSION|PORT)\}/g, (_, name: 'VERSION' | 'PORT') => vars[name]);
}

/**
 * What instance `index` of `version` runs: the version's command (or the default one), the spec's env with
 * the version's additions on top, then PORT and VERSION, which always win.
 */
export function buildLaunchSpec(
  config: LocalPlatformConfig,
  service: string,
  version: string,
  index: number,
  port: number,
): LaunchSpec {
  const override = config.versions[version];
  const vars = { VERSION: version, PORT: String(port) };
  const command = override?.command ?? config.command;
  const shell = typeof command === 'string';
  const argv = shell ? ['/bin/sh', '-c', substitute(command, vars)] : command.map((part) => substitute(part, vars));
  const specEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...config.env, ...override?.env })) specEnv[k] = substitute(v, vars);
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !PRIVATE_ENV.test(k)) inherited[k] = v;
  const env = { ...inherited, ...specEnv, PORT: vars.PORT, VERSION: version };
  return {
    service,
    version,
    index,
    argv,
    shell,
    cwd: config.cwd,
    env,
    port,
    maxRestarts: config.restart.maxRestarts,
    backoffMs: config.restart.backoff,
    graceMs: STOP_GRACE_MS,
    fingerprint: fingerprint(config, version),
  };
}

/**
 * Identity of what the spec asks a version to run, port and inherited environment aside (those change from
 * one controller run to the next without the user changing anything). Same fingerprint = adopt; different =
 * replace the instance.
 */
export function fingerprint(config: LocalPlatformConfig, version: string): string {
  const override = config.versions[version];
  const identity = {
    command: override?.command ?? config.command,
    cwd: config.cwd,
    env: { ...config.env, ...override?.env },
    restart: config.restart,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}
