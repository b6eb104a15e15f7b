import { ConfigError, ExitError } from '../errors.js';
import { exitCodeFor, summarize, type RolloutSummary } from '../core/summary.js';
import { loadSpecFile } from '../spec/load.js';
import type { RunOptions } from './commands/run.js';
import { cliActor, openLocal } from './local.js';
import { remoteFrom } from './remote/client.js';
import { isInteractive } from './output.js';
import { Reporter } from './reporter.js';

/**
 * Runs rollouts in this process. Ctrl-C stops driving but changes nothing: the services and the proxy keep the
 * current split, and `chimera run` with the same file resumes from the recorded step.
 */
export async function runCommand(opts: RunOptions): Promise<void> {
  const remote = remoteFrom(opts);
  if (remote) return (await import('./remote/commands.js')).remoteRun(remote, opts);
  const specs = (await loadSpecFile(opts.file)).filter((s) => !opts.service || s.spec.metadata.name === opts.service);
  if (specs.length === 0) {
    throw new ConfigError(`no canary spec for service '${opts.service}' in ${opts.file}`);
  }
  const local = await openLocal(opts.dataDir);
  const reporter = new Reporter(opts.json ? 'json' : isInteractive() ? 'tty' : 'plain');
  const detach = reporter.attach(local.controller);
  const interrupted = onInterrupt(() => void local.controller.close());
  let summaries: RolloutSummary[];
  try {
    const started = await Promise.all(specs.map((s) => local.controller.start(s, opts.version, cliActor())));
    const finished = await Promise.all(started.map((s) => local.controller.wait(s.id)));
    summaries = (await Promise.all(finished.map((s) => local.controller.get(s.id)))).map(summarize);
  } finally {
    detach();
    interrupted.dispose();
    await local.close();
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ rollouts: summaries }, null, 2) + '\n');
  } else {
    for (const s of summaries) process.stdout.write(formatSummary(s) + '\n');
    if (interrupted.fired) {
      process.stdout.write(
        'stopped driving: the rollout stays where it is and traffic keeps its current split; ' +
          `resume with \`chimera run -f ${opts.file}\` or abort with \`chimera abort <service>\`\n`,
      );
    }
  }
  const worst = Math.max(...summaries.map((s) => exitCodeFor(s.outcome)));
  if (worst !== 0) throw new ExitError(worst);
}

export function formatSummary(s: RolloutSummary): string {
  const outcome = { promoted: 'PROMOTED', rolled_back: 'ROLLED BACK', failed: 'FAILED', in_progress: 'IN PROGRESS' }[
    s.outcome
  ];
  return (
    `${s.service} ${s.from} → ${s.to}: ${outcome} after ${(s.durationMs / 1000).toFixed(1)}s ` +
    `(${s.canaryRequests} canary requests, ${s.canaryErrors} errors) — ${s.reason}`
  );
}

function onInterrupt(stop: () => void): { fired: boolean; dispose(): void } {
  const state = { fired: false, dispose: () => undefined as void };
  const handler = (): void => {
    state.fired = true;
    stop();
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  state.dispose = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  return state;
}
