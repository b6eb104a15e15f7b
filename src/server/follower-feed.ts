import { TERMINAL_PHASES, type RolloutState } from '../core/rollout.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { readChartTail, type ChartCursor } from './chart-read.js';
import type { EventHub } from './event-hub.js';
import type { LeaderController } from './leader-controller.js';
import { sleepUnlessAborted } from '../abortable-sleep.js';

/** What the feed remembers of a rollout: where its log and its stored chart were at the last look. */
interface Seen {
  revision: number;
  seq: number;
  /** `done` once the chart is complete: the rollout ended and its last points were read (or never came). */
  chart: { cursor?: ChartCursor; pollsSinceEnd: number } | 'done';
}

/** Polls a chart is still read after its rollout ended without the leader marking it complete (it died first). */
const CHART_POLLS_AFTER_END = 30;

/**
 * Live updates on a follower. The event stream, the dashboard and /metrics listen to the controller's events, but a
 * follower drives nothing, so it would show the leader's rollouts only on reload. While this replica does not lead,
 * this polls the shared store for the newest rollouts and re-emits, on the controller, the log entries and states
 * the leader recorded since the last look, and publishes on `hub` the chart points the leader stored since then
 * (src/server/chart-layout.ts; up to a few seconds late, as the leader writes them in batches).
 * Runs until `signal` aborts.
 */
export async function followStore(
  controller: LeaderController,
  hub: Pick<EventHub, 'publishPoint'>,
  store: Store,
  log: Logger,
  signal: AbortSignal,
  pollMs = 1_000,
): Promise<void> {
  const seen = new Map<string, Seen>();
  let baseline = true;
  while (!signal.aborted) {
    try {
      if (controller.isLeader()) {
        // The term's own drivers emit; start again from the store's state after the term ends.
        seen.clear();
        baseline = true;
      } else {
        await poll({ controller, hub, store, log }, seen, baseline);
        baseline = false;
      }
    } catch (err) {
      if (!signal.aborted) log.warn({ err: errorMessage(err) }, 'follower: could not read rollouts from the store');
    }
    await sleepUnlessAborted(pollMs, signal);
  }
}

interface Feed {
  controller: LeaderController;
  hub: Pick<EventHub, 'publishPoint'>;
  store: Store;
  log: Logger;
}

async function poll(feed: Feed, seen: Map<string, Seen>, baseline: boolean): Promise<void> {
  const { controller, store } = feed;
  for (const r of (await store.list({ limit: 50 })).reverse()) {
    let entry = seen.get(r.id);
    if (!entry) {
      // The first look only records where each rollout is: clients loaded that state already (and the charts of
      // rollouts that had ended).
      const ended = baseline && TERMINAL_PHASES.includes(r.phase);
      entry = { revision: 0, seq: 0, chart: ended ? 'done' : { pollsSinceEnd: 0 } };
      seen.set(r.id, entry);
    }
    // Points first: they were measured before the state the leader recorded after them.
    await followChart(feed, r, entry, baseline);
    if (entry.revision === r.revision) continue;
    const events = await store.events(r.id, entry.seq);
    entry.revision = r.revision;
    entry.seq = events.at(-1)?.seq ?? entry.seq;
    if (baseline || controller.isLeader()) continue;
    for (const e of events) {
      const { rolloutId: _id, seq: _seq, ...logEntry } = e;
      controller.emit('log', r, logEntry);
    }
    controller.emit('state', r);
  }
}

/** Publishes the rollout's chart points stored since the last look, until its chart is complete. */
async function followChart(feed: Feed, r: RolloutState, entry: Seen, baseline: boolean): Promise<void> {
  const chart = entry.chart;
  if (chart === 'done') return;
  const tail = await readChartTail(feed.store, r.id, feed.log, chart.cursor);
  chart.cursor = tail.cursor;
  if (!baseline && !feed.controller.isLeader()) for (const p of tail.points) feed.hub.publishPoint(r, p);
  if (TERMINAL_PHASES.includes(r.phase) && (tail.done || ++chart.pollsSinceEnd > CHART_POLLS_AFTER_END)) {
    entry.chart = 'done';
  }
}
