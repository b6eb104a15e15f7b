import type { Command } from 'commander';

export interface ServerCommandOptions {
  host: string;
  port: string;
  dataDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  demo?: boolean;
  databaseUrl?: string;
  leaderElection?: string;
  watchKubernetes?: string;
  watchFolder?: string;
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
    .option('--database-url <url>', 'Postgres shared by every replica (or DATABASE_URL; default SQLite in --data-dir)')
    .option(
      '--leader-election <lease>',
      'contend for this Lease (namespace POD_NAMESPACE, identity POD_NAME); only the leader drives rollouts ' +
        '(or CHIMERA_LEADER_ELECTION_LEASE)',
    )
    .option(
      '--watch-kubernetes <namespaces>',
      "start rollouts when registered kubernetes specs' Deployments change: 'all' or ns1,ns2 " +
        '(or CHIMERA_WATCH_KUBERNETES)',
    )
    .option('--watch-folder <dir>', 'GitOps: start rollouts from the specs in this folder (or CHIMERA_WATCH_FOLDER)')
    .action(async (opts: ServerCommandOptions) => {
      const { serveUntilSignal } = await import('../remote/serve.js');
      await serveUntilSignal(opts);
    });
}
