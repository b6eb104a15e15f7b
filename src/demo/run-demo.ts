import { isInteractive } from '../cli/output.js';
import { Reporter } from '../cli/reporter.js';
import { formatSummary } from '../cli/run-command.js';
import type { RolloutSummary } from '../core/summary.js';
import { ExitError } from '../errors.js';
import { createLogger } from '../logger.js';
import { DemoEnvironment, type Scenario } from './demo-environment.js';

export interface RunDemoOptions {
  scenario: string;
  json?: boolean;
  rps: number;
  dataDir?: string;
}

/** Runs the chosen scenarios one after the other and prints what happened. */
export async function runDemo(opts: RunDemoOptions): Promise<void> {
  const scenarios: Scenario[] = opts.scenario === 'both' ? ['healthy', 'faulty'] : [opts.scenario as Scenario];
  const env = await DemoEnvironment.create({
    log: createLogger('chimera-demo'),
    rps: opts.rps,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  const reporter = new Reporter(opts.json ? 'json' : isInteractive() ? 'tty' : 'plain');
  const detach = reporter.attach(env.controller);
  const results: RolloutSummary[] = [];
  try {
    if (!opts.json) process.stdout.write(`chimera demo: sending ${opts.rps} req/s through ${env.proxyUrl}\n`);
    for (const s of scenarios) results.push(await env.run(s));
  } finally {
    detach();
    await env.close();
  }
  if (opts.json) {
    const rollouts = results.map(({ id: _id, ...rest }) => rest);
    process.stdout.write(JSON.stringify({ rollouts }, null, 2) + '\n');
  } else {
    for (const r of results) process.stdout.write(formatSummary(r) + '\n');
  }
  const expected: Record<Scenario, string> = { healthy: 'promoted', faulty: 'rolled_back' };
  if (results.some((r, i) => r.outcome !== expected[scenarios[i]!])) throw new ExitError(1);
}
