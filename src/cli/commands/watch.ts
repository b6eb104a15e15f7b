import type { Command } from 'commander';

export interface WatchOptions {
  dataDir?: string;
  poll?: string;
}

/** `chimera watch DIR`: GitOps — start a rollout whenever a spec's version (or image tag) in DIR changes. */
export function define(program: Command): void {
  program
    .command('watch <dir>')
    .description('GitOps: drive rollouts from a folder of specs (a changed version or image tag starts one)')
    .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
    .option('--poll <ms>', 'scan period in milliseconds', '2000')
    .action(async (dir: string, opts: WatchOptions) => {
      const { watchCommand } = await import('../../triggers/watch-command.js');
      await watchCommand(dir, opts);
    });
}
