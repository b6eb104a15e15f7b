import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import type { KubeClient } from '../kubernetes/client.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import type { EventHub } from './event-hub.js';
import type { LeaderController } from './leader-controller.js';
import type { SpecRegistry } from './spec-registry.js';
import { sleepUnlessAborted } from '../abortable-sleep.js';

export interface LeaderElectionSettings {
  /** Name of the coordination.k8s.io Lease the replicas share. */
  lease: string;
  /** Namespace of the Lease (default POD_NAMESPACE, else the service account's namespace, else `default`). */
  namespace?: string;
  /** This replica's identity (default POD_NAME, else the host name). */
  identity?: string;
  /** kubeconfig file (default $KUBECONFIG, the in-cluster service account, or ~/.kube/config). */
  kubeconfig?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface BackgroundOptions {
  controller: LeaderController;
  store: Store;
  specs: SpecRegistry;
  /** Where a follower publishes the chart points the leader stored. */
  hub: Pick<EventHub, 'publishPoint'>;
  log: Logger;
  leaderElection?: LeaderElectionSettings;
  /** Watch the template Deployments of registered kubernetes specs: `all` namespaces they name, or these. */
  watchKubernetes?: 'all' | string[];
  /** How often the kubernetes watch re-reads the registered specs (default 5 s). */
  watchKubernetesPollMs?: number;
  /** GitOps folder of specs to watch. */
  watchFolder?: string;
  watchFolderPollMs?: number;
  /** More leader-only work (the demo): started with each term, its result closed when the term ends. */
  onLead?: () => Promise<{ close(): Promise<void> } | undefined>;
}

export interface Background {
  /** Stops the leader-only work and contending; the Lease is handed over at once. */
  close(): Promise<void>;
}

/** The replica's identity: POD_NAME (set from the Downward API in deploy/kubernetes), else the host name. */
export function defaultIdentity(env = process.env): string {
  return env.POD_NAME || hostname();
}

/** Where the Lease lives: POD_NAMESPACE, else the in-cluster service account's namespace, else `default`. */
export function defaultLeaseNamespace(env = process.env): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

/**
 * Everything the server runs besides HTTP, all of it leader-only: driving rollouts (resuming those in flight), the
 * Kubernetes Deployment watcher, the GitOps folder watcher, the demo. Without leader election this replica leads
 * from the start until it closes (resolving once the rollouts in flight are resumed, as a single server always
 * did). With it, a term starts each time the Lease is won and its signal aborts the moment the Lease is lost: the
 * drivers stop and leave every rollout as recorded for the next leader.
 */
export async function startBackground(opts: BackgroundOptions): Promise<Background> {
  const stop = new AbortController();
  // Terms never overlap: a new one waits until the previous one's drivers have handed their rollouts back.
  let previousEnd = Promise.resolve();
  const runTerm = (signal: AbortSignal): Promise<void> => {
    const term = previousEnd.then(() => startTerm(opts, signal));
    previousEnd = term.then(
      (t) => t?.ended,
      () => undefined,
    );
    return term.then(() => undefined);
  };

  if (!opts.leaderElection) {
    await runTerm(stop.signal);
    return {
      close: async () => {
        stop.abort();
        await previousEnd;
      },
    };
  }

  const le = opts.leaderElection;
  const identity = le.identity ?? defaultIdentity();
  const namespace = le.namespace ?? defaultLeaseNamespace();
  const { connect } = await import('../kubernetes/connect.js');
  const { LeaderElector } = await import('../kubernetes/leader-election.js');
  const client: KubeClient = await connect({ kubeconfig: le.kubeconfig });
  const elector = new LeaderElector(client, {
    namespace,
    name: le.lease,
    identity,
    log: opts.log,
    ...(le.leaseDurationMs ? { leaseDurationMs: le.leaseDurationMs } : {}),
    ...(le.renewDeadlineMs ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
    ...(le.retryPeriodMs ? { retryPeriodMs: le.retryPeriodMs } : {}),
  });
  opts.log.info({ lease: `${namespace}/${le.lease}`, identity }, 'leader election: contending');
  const { followStore } = await import('./follower-feed.js');
  const following = followStore(opts.controller, opts.hub, opts.store, opts.log, stop.signal);
  const running = elector.run(
    {
      onStartedLeading: (signal) => {
        opts.log.info({ identity }, 'leader election: leading; driving rollouts');
        void runTerm(signal).catch((err: unknown) =>
          opts.log.error({ err: errorMessage(err) }, 'leader election: the term failed to start'),
        );
      },
      // The Lease is handed over only once every driver has stopped, so two replicas never drive at once.
      onStoppedLeading: async () => {
        await previousEnd;
        opts.log.warn({ identity }, 'leader election: not leading; stopped driving');
      },
      onNewLeader: (leader) => opts.controller.observeLeader(leader),
    },
    stop.signal,
  );
  return {
    close: async () => {
      stop.abort();
      // The elector aborts the term's signal before releasing the Lease; wait for both.
      await running;
      await previousEnd;
      await following;
    },
  };
}

/**
 * Starts a term. A single server that cannot start fails (as it always did); a replica that won the Lease keeps
 * trying every 5 s while it leads, rather than holding the Lease without driving.
 */
async function startTerm(opts: BackgroundOptions, signal: AbortSignal): Promise<{ ended: Promise<void> } | undefined> {
  for (;;) {
    if (signal.aborted) return undefined;
    try {
      return await leaderTerm(opts, signal);
    } catch (err) {
      if (!opts.leaderElection) throw err;
      opts.log.error({ err: errorMessage(err) }, 'leader election: could not start driving; trying again in 5 s');
      await sleepUnlessAborted(5_000, signal);
    }
  }
}

/**
 * One leadership term: resume rollouts and start the watchers; resolves once started, with a promise of the
 * term's end (when `signal` aborts: the watchers stop, then the drivers).
 */
async function leaderTerm(opts: BackgroundOptions, signal: AbortSignal): Promise<{ ended: Promise<void> }> {
  const { controller, log } = opts;
  const tasks: Promise<unknown>[] = [];
  const closers: (() => Promise<void>)[] = [];
  const ended = new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
  // Ends the term's tasks when leadership ends, or when the term fails to start.
  const stopTerm = new AbortController();
  const termSignal = AbortSignal.any([signal, stopTerm.signal]);
  const endTerm = async (): Promise<void> => {
    stopTerm.abort();
    for (const close of closers.reverse()) {
      await close().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'leader-only task clean-up failed'));
    }
    await Promise.allSettled(tasks);
    await controller.stepDown();
  };
  try {
    const resumed = await controller.lead();
    if (resumed.length > 0) log.info({ rollouts: resumed }, 'took over rollouts in flight');
    if (opts.watchKubernetes) {
      const { watchKubernetes } = await import('./kubernetes-watch.js');
      tasks.push(
        watchKubernetes(
          {
            specs: opts.specs,
            store: opts.store,
            namespaces: opts.watchKubernetes,
            log,
            start: (loaded, version, by) => controller.start(loaded, version, by),
            ...(opts.watchKubernetesPollMs ? { pollMs: opts.watchKubernetesPollMs } : {}),
          },
          termSignal,
        ),
      );
    }
    if (opts.watchFolder) {
      const dir = resolve(opts.watchFolder);
      const { FolderWatcher } = await import('../triggers/folder-watcher.js');
      const watcher = new FolderWatcher({
        dir,
        log,
        start: (loaded, version) => controller.start(loaded, version, `gitops ${opts.watchFolder}`),
        ...(opts.watchFolderPollMs ? { pollMs: opts.watchFolderPollMs } : {}),
      });
      closers.push(() => watcher.stop());
      await watcher.start();
      log.info({ dir }, 'watching the spec folder');
    }
    const extra = await opts.onLead?.();
    if (extra) closers.push(() => extra.close());
  } catch (err) {
    await endTerm();
    throw err;
  }
  return { ended: ended.then(endTerm) };
}
