import { ConfigError } from '../../errors.js';
import { startServer } from '../../server/start.js';
import type { ServerCommandOptions } from '../commands/server.js';

/** Runs the server until SIGINT/SIGTERM, then stops driving (rollouts stay recorded; workloads keep serving). */
export async function serveUntilSignal(opts: ServerCommandOptions): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port must be 0–65535, got ${opts.port}`);
  const server = await startServer({
    host: opts.host,
    port,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.tlsCert ? { tlsCert: opts.tlsCert } : {}),
    ...(opts.tlsKey ? { tlsKey: opts.tlsKey } : {}),
    ...(opts.demo ? { demo: true } : {}),
  });
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
