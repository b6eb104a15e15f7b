import { readFile } from 'node:fs/promises';
import type { Command as RolloutCommand, RolloutState } from '../../core/rollout.js';
import { TERMINAL_PHASES } from '../../core/rollout.js';
import { exitCodeFor, summarize, type RolloutSummary } from '../../core/summary.js';
import { ConfigError, ExitError, NotFoundError } from '../../errors.js';
import type { StoredEvent } from '../../ports/store.js';
import { loadSpecFile } from '../../spec/load.js';
import type { RunOptions } from '../commands/run.js';
import { weightBar } from '../progress.js';
import { formatSummary } from '../run-command.js';
import type { RemoteClient } from './client.js';

const print = (s: string): boolean => process.stdout.write(s + '\n');
const POLL_MS = 1000;

/**
 * `chimera run -f FILE --server URL`: the spec is validated here first (errors with line:column, nothing sent), then
 * each service's rollout starts on the server. A spec the server already has is started with an operator token;
 * a new or changed one is sent along, which needs an admin token. With --wait, follows the rollouts' logs and exits
 * 0 promoted / 1 rolled back / 3 failed.
 */
export async function remoteRun(client: RemoteClient, opts: RunOptions): Promise<void> {
  const specs = (await loadSpecFile(opts.file)).filter((s) => !opts.service || s.spec.metadata.name === opts.service);
  if (specs.length === 0) throw new ConfigError(`no canary spec for service '${opts.service}' in ${opts.file}`);
  const yaml = await readFile(opts.file, 'utf8');
  const started: RolloutState[] = [];
  for (const s of specs) {
    const service = s.spec.metadata.name;
    const current = await client.get<{ yaml: string }>(`/api/v1/specs/${enc(service)}`).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    const body = {
      service,
      ...(opts.version ? { version: opts.version } : {}),
      ...(current?.yaml === yaml ? {} : { yaml }),
    };
    const state = await client.post<RolloutState>('/api/v1/rollouts', body);
    started.push(state);
    if (!opts.json)
      print(`${service}: rollout ${state.id} started on ${client.base} (${state.fromVersion} → ${state.toVersion})`);
  }
  if (!opts.wait) {
    if (opts.json) print(JSON.stringify({ rollouts: started.map(summarize) }, null, 2));
    return;
  }
  const finished = await Promise.all(started.map((s) => follow(client, s, !opts.json)));
  const summaries: RolloutSummary[] = finished.map(summarize);
  if (opts.json) print(JSON.stringify({ rollouts: summaries }, null, 2));
  else for (const s of summaries) print(formatSummary(s));
  const worst = Math.max(...summaries.map((s) => exitCodeFor(s.outcome)));
  if (worst !== 0) throw new ExitError(worst);
}

/** Polls a rollout until it ends, printing its new log lines. Polling survives server restarts and proxies alike. */
async function follow(client: RemoteClient, state: RolloutState, printLines: boolean): Promise<RolloutState> {
  let seq = 0;
  for (;;) {
    const { events } = await client.get<{ events: StoredEvent[] }>(
      `/api/v1/rollouts/${enc(state.id)}/events?after=${seq}`,
    );
    for (const e of events) {
      seq = e.seq;
      if (printLines) print(`${new Date(e.at).toISOString().slice(11, 19)} ${state.service} [${e.type}] ${e.reason}`);
    }
    const current = await client.get<RolloutState>(`/api/v1/rollouts/${enc(state.id)}`);
    if (TERMINAL_PHASES.includes(current.phase)) return current;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function remoteStatus(client: RemoteClient, service: string | undefined, json?: boolean): Promise<void> {
  const { services } = await client.get<{ services: Array<{ name: string; latest?: RolloutState }> }>(
    '/api/v1/services',
  );
  const rows = services.filter((s) => !service || s.name === service);
  if (service && rows.length === 0) throw new NotFoundError(`no service named '${service}' on ${client.base}`);
  if (json) {
    print(
      JSON.stringify(
        { services: rows.map((s) => ({ service: s.name, ...(s.latest ? summarize(s.latest) : {}) })) },
        null,
        2,
      ),
    );
    return;
  }
  for (const { name, latest: r } of rows) {
    if (!r) {
      print(`${name}  (no rollouts yet)`);
      continue;
    }
    print(`${name}  ${r.fromVersion} → ${r.toVersion}  ${r.phase}  canary ${weightBar(r.weight, 10)} ${r.weight}%`);
    print(`  ${r.reason}`);
  }
}

export async function remoteHistory(
  client: RemoteClient,
  service: string | undefined,
  opts: { json?: boolean; limit?: string; events?: boolean },
): Promise<void> {
  const limit = Number(opts.limit ?? '20');
  const q = new URLSearchParams({ limit: String(Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 20) });
  if (service) q.set('service', service);
  const { rollouts } = await client.get<{ rollouts: RolloutState[] }>(`/api/v1/rollouts?${q.toString()}`);
  const withEvents = await Promise.all(
    rollouts.map(async (r) => ({
      r,
      events: opts.events
        ? (await client.get<{ events: StoredEvent[] }>(`/api/v1/rollouts/${enc(r.id)}/events`)).events
        : [],
    })),
  );
  if (opts.json) {
    print(JSON.stringify({ rollouts: withEvents.map(({ r, events }) => ({ ...summarize(r), events })) }, null, 2));
    return;
  }
  for (const { r, events } of withEvents) {
    print(`${new Date(r.createdAt).toISOString()}  ${r.id}  ${formatSummary(summarize(r))}`);
    for (const e of events) print(`    ${new Date(e.at).toISOString().slice(11, 19)} [${e.type}] ${e.reason}`);
  }
}

/** Sends the command, then waits briefly for the server's controller to act on it and shows the result. */
export async function remoteControl(
  client: RemoteClient,
  command: RolloutCommand,
  service: string,
  json?: boolean,
): Promise<void> {
  const before = await client.post<RolloutState>(`/api/v1/services/${enc(service)}/commands`, { command });
  let after = before;
  for (let i = 0; i < 50 && after.revision === before.revision; i++) {
    await new Promise((r) => setTimeout(r, 200));
    after = await client.get<RolloutState>(`/api/v1/rollouts/${enc(before.id)}`);
  }
  if (json) print(JSON.stringify(summarize(after), null, 2));
  else print(`${service}: ${after.phase} — ${after.reason}`);
}

const enc = encodeURIComponent;
