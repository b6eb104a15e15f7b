import type { Command } from 'commander';

export interface ApproveOptions {
  reject?: boolean;
  json?: boolean;
  dataDir?: string;
  server?: string;
  token?: string;
}

/** `chimera approve SERVICE [--reject]`: answers the manual-approval gate the service's rollout waits at. */
export function define(program: Command): void {
  program
    .command('approve <service>')
    .description("approve the manual-approval gate the service's rollout waits at (--reject to refuse it)")
    .option('--reject', 'refuse instead: the gate fails and its onFailure policy applies')
    .option('--json', 'print the rollout as JSON')
    .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
    .option('--server <url>', 'act on a Chimera server (or CHIMERA_SERVER)')
    .option('--token <token>', 'API token for --server (or CHIMERA_TOKEN)')
    .action(async (service: string, opts: ApproveOptions) => {
      const { approveCommand } = await import('../../gates/approve-command.js');
      await approveCommand(service, opts);
    });
}
