import type { Command } from 'commander';

export interface StatusOptions {
  json?: boolean;
  dataDir?: string;
  server?: string;
  token?: string;
}

/** `chimera status [SERVICE]`: the latest rollout of each service. */
export function define(program: Command): void {
  program
    .command('status [service]')
    .description('show the latest rollout of each service (or of one)')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
    .option('--server <url>', 'act on a Chimera server (or CHIMERA_SERVER)')
    .option('--token <token>', 'API token for --server (or CHIMERA_TOKEN)')
    .action(async (service: string | undefined, opts: StatusOptions) => {
      const { statusCommand } = await import('../inspect-commands.js');
      await statusCommand(service, opts);
    });
}
