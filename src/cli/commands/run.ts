import type { Command } from 'commander';

export interface RunOptions {
  file: string;
  version?: string;
  service?: string;
  wait?: boolean;
  json?: boolean;
  dataDir?: string;
  server?: string;
  token?: string;
}

/** `chimera run -f FILE`: roll out the service(s) a spec file describes and report the outcome. */
export function define(program: Command): void {
  program
    .command('run')
    .description('roll out a new version as the spec file describes (exit 0 promoted, 1 rolled back, 2 bad input)')
    .requiredOption('-f, --file <file>', 'canary spec file (chimera.yaml)')
    .option('--version <version>', 'version to roll out (default: spec.version)')
    .option('--service <name>', 'only this service of a multi-document spec file')
    .option('--wait', 'wait for the outcome (always the case without a server: this process drives the rollout)')
    .option('--json', 'print one JSON document at the end')
    .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
    .option('--server <url>', 'act on a Chimera server (or CHIMERA_SERVER)')
    .option('--token <token>', 'API token for --server (or CHIMERA_TOKEN)')
    .action(async (opts: RunOptions) => {
      const { runCommand } = await import('../run-command.js');
      await runCommand(opts);
    });
}
