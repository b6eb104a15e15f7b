import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { startProxy } from './server.js';
import { readOrCreateToken } from './token.js';

/** Environment variable the proxy reads its admin token from when no token file or variable name is given. */
export const DEFAULT_TOKEN_ENV = 'CHIMERA_PROXY_TOKEN';

export interface ProxyProcessOptions {
  listen: string;
  admin: string;
  state: string;
  tokenFile?: string;
  tokenEnv?: string;
  service?: string;
  pidFile?: string;
  connectTimeoutMs?: number;
  upstreamTimeoutMs?: number;
  engine?: 'raw' | 'node';
}

/** Where the admin token comes from: a token file (created if missing), or an environment variable. */
export async function resolveProxyToken(opts: Pick<ProxyProcessOptions, 'tokenFile' | 'tokenEnv'>): Promise<string> {
  if (opts.tokenFile) return readOrCreateToken(opts.tokenFile);
  const name = opts.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const token = process.env[name]?.trim();
  if (!token) {
    throw new ConfigError(`no admin token: give --token-file FILE, or set ${name} (or name another with --token-env)`);
  }
  return token;
}

/**
 * `chimera proxy`: runs the proxy until SIGTERM/SIGINT. It depends on nothing but its state file, so it keeps
 * serving with the last weights while the controller is down or restarting.
 */
export async function runProxyProcess(opts: ProxyProcessOptions): Promise<void> {
  const log = createLogger('chimera-proxy', process.env.CHIMERA_LOG_LEVEL ?? 'info');
  const token = await resolveProxyToken(opts);
  const proxy = await startProxy({
    listen: opts.listen,
    admin: opts.admin,
    stateFile: opts.state,
    token,
    service: opts.service,
    timeouts: { connectMs: opts.connectTimeoutMs, responseMs: opts.upstreamTimeoutMs },
    engine: opts.engine,
    log,
  });
  if (opts.pidFile) {
    await mkdir(dirname(opts.pidFile), { recursive: true });
    await writeFile(opts.pidFile, `${process.pid}\n`);
  }
  process.stdout.write(`chimera proxy: listening on ${proxy.listenAddress}, admin on ${proxy.adminAddress}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'proxy stopping');
    void proxy
      .close()
      .then(() => (opts.pidFile ? unlink(opts.pidFile).catch(() => undefined) : undefined))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
