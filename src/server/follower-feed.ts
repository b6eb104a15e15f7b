import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import type { LeaderController } from './leader-controller.js';
import { sleepUnlessAborted } from '../abortable-sleep.js';

/**
 * Live updates on a follower. The event stream, the dashboard and /metrics listen to the controller's events, but a
 * follower drives nothing, so it would show the leader's rollouts only on reload. While this replica does not lead,
 * this polls the shared store for the newest rollouts and re-emits, on the controller, the log entries and states
 * the leader recorded since the last look (per-version chart points are not in the store and do not follow).
 * Runs until `signal` aborts.
 */
export async function followStore(
  controller: LeaderController,
  store: Store,
  log: Logger,
  signal: AbortSignal,
  pollMs = 1_000,
): Promise<void> {
  const seen = new Map<string, { revision: number; seq: number }>();
  let baseline = true;
  while (!signal.aborted) {
    try {
      if (controller.isLeader()) {
        // The term's own drivers emit; start again from the store's state after the term ends.
        seen.clear();
        baseline = true;
      } else {
        await poll(controller, store, seen, baseline);
        baseline = false;
      }
    } catch (err) {
      if (!signal.aborted) log.warn({ err: errorMessage(err) }, 'follower: could not read rollouts from the store');
    }
    await sleepUnlessAborted(pollMs, signal);
  }
}

async function poll(
  controller: LeaderController,
  store: Store,
  seen: Map<string, { revision: number; seq: number }>,
  baseline: boolean,
): Promise<void> {
  for (const r of (await store.list({ limit: 50 })).reverse()) {
    const prev = seen.get(r.id);
    if (prev?.revision === r.revision) continue;
    const events = await store.events(r.id, prev?.seq ?? 0);
    seen.set(r.id, { revision: r.revision, seq: events.at(-1)?.seq ?? prev?.seq ?? 0 });
    // The first look only records where each rollout is: clients loaded that state already.
    if (baseline || controller.isLeader()) continue;
    for (const e of events) {
      const { rolloutId: _id, seq: _seq, ...entry } = e;
      controller.emit('log', r, entry);
    }
    controller.emit('state', r);
  }
}
