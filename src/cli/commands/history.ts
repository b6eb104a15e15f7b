import type { Command } from 'commander';

export interface HistoryOptions {
  json?: boolean;
  limit?: string;
  events?: boolean;
  dataDir?: string;
  server?: string;
  token?: string;
}

/** `chimera history [SERVICE]`: past rollouts, newest first, optionally with their event logs. */
export function define(program: Command): void {
  program
    .command('history [service]')
    .description('list past rollouts, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--events', 'print each rollout’s event log')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
    .option('--server <url>', 'act on a Chimera server (or CHIMERA_SERVER)')
    .option('--token <token>', 'API token for --server (or CHIMERA_TOKEN)')
    .action(async (service: string | undefined, opts: HistoryOptions) => {
      const { historyCommand } = await import('../inspect-commands.js');
      await historyCommand(service, opts);
    });
}
