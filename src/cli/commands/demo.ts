import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';

export interface DemoOptions {
  scenario: string;
  json?: boolean;
  rps: string;
  dataDir?: string;
}

const SCENARIOS = ['healthy', 'faulty', 'both'];

/** `chimera demo`: real rollouts on this machine — a healthy canary promoted, a faulty one rolled back. */
export function define(program: Command): void {
  program
    .command('demo')
    .description('run real canary rollouts of a sample service on this machine (healthy promoted, faulty rolled back)')
    .option('--scenario <name>', 'healthy | faulty | both', 'both')
    .option('--rps <n>', 'requests per second the built-in load generator sends', '400')
    .option('--json', 'print one JSON document at the end')
    .option('--data-dir <dir>', 'state folder (default: a temporary folder removed at the end)')
    .action(async (opts: DemoOptions) => {
      if (!SCENARIOS.includes(opts.scenario)) {
        throw new ConfigError(`unknown scenario '${opts.scenario}'; valid scenarios: ${SCENARIOS.join(', ')}`);
      }
      const rps = Number(opts.rps);
      if (!Number.isFinite(rps) || rps <= 0 || rps > 5000) {
        throw new ConfigError(`--rps must be a number between 1 and 5000, got '${opts.rps}'`);
      }
      const { runDemo } = await import('../../demo/run-demo.js');
      await runDemo({ ...opts, rps });
    });
}
