import { NotFoundError } from '../errors.js';
import type { Command } from '../core/rollout.js';
import type { RolloutState } from '../core/rollout.js';
import { summarize } from '../core/summary.js';
import type { ControlOptions } from './commands/control.js';
import type { HistoryOptions } from './commands/history.js';
import type { StatusOptions } from './commands/status.js';
import { cliActor, openLocal } from './local.js';
import { remoteFrom } from './remote/client.js';
import { weightBar } from './progress.js';
import { formatSummary } from './run-command.js';
import { RolloutLease } from '../controller/lease.js';

const print = (s: string): boolean => process.stdout.write(s + '\n');

export async function statusCommand(service: string | undefined, opts: StatusOptions): Promise<void> {
  const remote = remoteFrom(opts);
  if (remote) return (await import('./remote/commands.js')).remoteStatus(remote, service, opts.json);
  const local = await openLocal(opts.dataDir);
  try {
    const all = await local.store.list(service ? { service } : {});
    const latest = new Map<string, RolloutState>();
    for (const r of all) if (!latest.has(r.service)) latest.set(r.service, r);
    if (service && latest.size === 0) throw new NotFoundError(`no rollouts recorded for service '${service}'`);
    const rows = [...latest.values()];
    if (opts.json) {
      print(JSON.stringify({ services: rows.map(statusRow) }, null, 2));
      return;
    }
    if (rows.length === 0) print('no rollouts recorded yet (chimera run -f chimera.yaml, or chimera demo)');
    for (const r of rows) {
      print(
        `${r.service}  ${r.fromVersion} → ${r.toVersion}  ${r.phase}  canary ${weightBar(r.weight, 10)} ${r.weight}%`,
      );
      print(`  ${r.reason}`);
    }
  } finally {
    await local.close();
  }
}

function statusRow(r: RolloutState) {
  return {
    service: r.service,
    rollout: r.id,
    from: r.fromVersion,
    to: r.toVersion,
    phase: r.phase,
    weight: r.weight,
    step: r.stepIndex + 1,
    steps: r.plan.steps.length,
    reason: r.reason,
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

export async function historyCommand(service: string | undefined, opts: HistoryOptions): Promise<void> {
  const remote = remoteFrom(opts);
  if (remote) return (await import('./remote/commands.js')).remoteHistory(remote, service, opts);
  const limit = Number(opts.limit ?? '20');
  const local = await openLocal(opts.dataDir);
  try {
    const rows = await local.store.list({
      ...(service ? { service } : {}),
      limit: Number.isInteger(limit) && limit > 0 ? limit : 20,
    });
    if (service && rows.length === 0) throw new NotFoundError(`no rollouts recorded for service '${service}'`);
    const withEvents = await Promise.all(
      rows.map(async (r) => ({ r, events: opts.events ? await local.store.events(r.id) : [] })),
    );
    if (opts.json) {
      print(JSON.stringify({ rollouts: withEvents.map(({ r, events }) => ({ ...summarize(r), events })) }, null, 2));
      return;
    }
    for (const { r, events } of withEvents) {
      print(`${new Date(r.createdAt).toISOString()}  ${r.id}  ${formatSummary(summarize(r))}`);
      for (const e of events) print(`    ${new Date(e.at).toISOString().slice(11, 19)} [${e.type}] ${e.reason}`);
    }
  } finally {
    await local.close();
  }
}

/**
 * Commands from the CLI are persisted for the controller that drives the rollout; we then wait briefly to show
 * their effect. Without a live controller the command waits in the store and applies when the rollout resumes.
 */
export async function controlCommand(command: Command, service: string, opts: ControlOptions): Promise<void> {
  const remote = remoteFrom(opts);
  if (remote) return (await import('./remote/commands.js')).remoteControl(remote, command, service, opts.json);
  const local = await openLocal(opts.dataDir);
  try {
    const before = await local.controller.command(service, command, cliActor());
    const holder = await new RolloutLease(local.store, before.id, 15_000).read();
    let after = before;
    for (let i = 0; holder && i < 50 && after.revision === before.revision; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = (await local.store.get(before.id)) ?? after;
    }
    if (opts.json) {
      print(JSON.stringify(statusRow(after), null, 2));
    } else if (after.revision === before.revision) {
      print(
        `${command} recorded for ${service}: no controller is driving rollout ${before.id} right now; ` +
          'it applies when the rollout is resumed (chimera run -f …, or chimera server)',
      );
    } else {
      print(`${service}: ${after.phase} — ${after.reason}`);
    }
  } finally {
    await local.close();
  }
}
