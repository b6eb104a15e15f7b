import type { Command } from 'commander';

export interface TokenOptions {
  role?: string;
  name?: string;
  json?: boolean;
  dataDir?: string;
  databaseUrl?: string;
  server?: string;
  token?: string;
}

/** `chimera token create|list|revoke`: API tokens for the server (stored hashed; a new token is shown once). */
export function define(program: Command): void {
  const token = program.command('token').description('manage API tokens of the Chimera server');
  const common = (c: Command): Command =>
    c
      .option('--json', 'print JSON')
      .option('--data-dir <dir>', 'state folder of the server (default .chimera, or CHIMERA_DATA_DIR)')
      .option('--database-url <url>', "the servers' shared Postgres instead of --data-dir (or DATABASE_URL)")
      .option('--server <url>', 'manage the tokens of a running server instead (or CHIMERA_SERVER; admin token)')
      .option('--token <token>', 'admin API token for --server (or CHIMERA_TOKEN)');
  common(
    token
      .command('create')
      .description('create a token; it is printed once and only its hash is kept')
      .requiredOption('--role <role>', 'viewer, operator or admin')
      .option('--name <name>', 'a label shown in logs and rollout events'),
  ).action(async (opts: TokenOptions) => {
    const { tokenCommand } = await import('../remote/token-command.js');
    await tokenCommand('create', undefined, opts);
  });
  common(token.command('list').description('list tokens (never their secrets)')).action(async (opts: TokenOptions) => {
    const { tokenCommand } = await import('../remote/token-command.js');
    await tokenCommand('list', undefined, opts);
  });
  common(token.command('revoke <id>').description('revoke a token by id')).action(
    async (id: string, opts: TokenOptions) => {
      const { tokenCommand } = await import('../remote/token-command.js');
      await tokenCommand('revoke', id, opts);
    },
  );
}
