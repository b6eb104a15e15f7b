import type { Command } from 'commander';

export interface ServerCommandOptions {
  host: string;
  port: string;
  dataDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  demo?: boolean;
}

/** `chimera server`: the HTTP API, event stream and dashboard, driving rollouts of many services. */
export function define(program: Command): void {
  program
    .command('server')
    .description('serve the API and dashboard and drive rollouts (binds 127.0.0.1 unless told otherwise)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '7070')
    .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key')
    .option('--demo', 'also keep rolling out the demo service (temporary data folder unless --data-dir)')
    .action(async (opts: ServerCommandOptions) => {
      const { serveUntilSignal } = await import('../remote/serve.js');
      await serveUntilSignal(opts);
    });
}
