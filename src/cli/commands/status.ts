import type { Command } from 'commander';

export interface StatusOptions {
  json?: boolean;
  dataDir?: string;
}

/** `chimera status [SERVICE]`: the latest rollout of each service. */
export function define(program: Command): void {
  program
    .command('status [service]')
    .description('show the latest rollout of each service (or of one)')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
    .action(async (service: string | undefined, opts: StatusOptions) => {
      const { statusCommand } = await import('../inspect-commands.js');
      await statusCommand(service, opts);
    });
}
