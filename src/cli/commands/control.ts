import type { Command } from 'commander';
import type { Command as RolloutCommand } from '../../core/rollout.js';

export interface ControlOptions {
  json?: boolean;
  dataDir?: string;
  server?: string;
  token?: string;
}

const VERBS: Array<[RolloutCommand, string]> = [
  ['promote', 'promote the canary now, skipping the remaining steps'],
  ['abort', 'abort the rollout: all traffic back to stable, canary removed'],
  ['pause', 'hold the rollout at its current weight'],
  ['resume', 'continue a paused rollout'],
  ['skip-analysis', 'advance on time and request counts alone for the rest of this rollout'],
];

/** `chimera promote|abort|pause|resume|skip-analysis SERVICE`. */
export function define(program: Command): void {
  for (const [verb, description] of VERBS) {
    program
      .command(`${verb} <service>`)
      .description(description)
      .option('--json', 'print the rollout as JSON')
      .option('--data-dir <dir>', 'state folder (default .chimera, or CHIMERA_DATA_DIR)')
      .option('--server <url>', 'act on a Chimera server (or CHIMERA_SERVER)')
      .option('--token <token>', 'API token for --server (or CHIMERA_TOKEN)')
      .action(async (service: string, opts: ControlOptions) => {
        const { controlCommand } = await import('../inspect-commands.js');
        await controlCommand(verb, service, opts);
      });
  }
}
