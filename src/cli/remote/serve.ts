import { ConfigError } from '../../errors.js';
import { startServer, type StartServerOptions } from '../../server/start.js';
import type { ServerCommandOptions } from '../commands/server.js';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The server's start options from its flags and environment; a flag wins over its variable. An empty variable
 * counts as unset (manifests often template them).
 */
export function serverOptions(opts: ServerCommandOptions, env: NodeJS.ProcessEnv = process.env): StartServerOptions {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port must be 0–65535, got ${opts.port}`);
  const pick = (flag: string | undefined, name: string): string | undefined =>
    flag?.trim() || env[name]?.trim() || undefined;
  const databaseUrl = pick(opts.databaseUrl, 'DATABASE_URL');
  const lease = pick(opts.leaderElection, 'CHIMERA_LEADER_ELECTION_LEASE');
  const watchK8s = pick(opts.watchKubernetes, 'CHIMERA_WATCH_KUBERNETES');
  const watchFolder = pick(opts.watchFolder, 'CHIMERA_WATCH_FOLDER');
  if (lease !== undefined && !NAMESPACE.test(lease)) {
    throw new ConfigError(`--leader-election must be a Lease name (lowercase letters, digits, '-'), got '${lease}'`);
  }
  return {
    host: opts.host,
    port,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.tlsCert ? { tlsCert: opts.tlsCert } : {}),
    ...(opts.tlsKey ? { tlsKey: opts.tlsKey } : {}),
    ...(opts.demo ? { demo: true } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(lease
      ? {
          leaderElection: {
            lease,
            ...(env.POD_NAME?.trim() ? { identity: env.POD_NAME.trim() } : {}),
            ...(env.POD_NAMESPACE?.trim() ? { namespace: env.POD_NAMESPACE.trim() } : {}),
          },
        }
      : {}),
    ...(watchK8s ? { watchKubernetes: namespaces(watchK8s) } : {}),
    ...(watchFolder ? { watchFolder } : {}),
  };
}

/** `all`, or a comma-separated list of namespace names. */
function namespaces(value: string): 'all' | string[] {
  if (value === 'all') return 'all';
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((ns) => !NAMESPACE.test(ns));
  if (bad !== undefined || list.length === 0) {
    throw new ConfigError(`--watch-kubernetes takes 'all' or namespace names separated by commas, got '${value}'`);
  }
  return list;
}

/** Runs the server until SIGINT/SIGTERM, then stops driving (rollouts stay recorded; workloads keep serving). */
export async function serveUntilSignal(opts: ServerCommandOptions): Promise<void> {
  const server = await startServer(serverOptions(opts));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write('stopping: rollouts stay where they are and resume when the server starts again\n');
      void server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
