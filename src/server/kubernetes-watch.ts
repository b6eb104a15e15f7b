import type { KubeClient } from '../kubernetes/client.js';
import type { ConnectOptions } from '../kubernetes/connect.js';
import { DeploymentWatcher } from '../kubernetes/deployment-watcher.js';
import type { RolloutState } from '../core/rollout.js';
import { ConflictError, RolloutInFlightError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import type { LoadedSpec } from '../spec/load.js';
import type { SpecRegistry } from './spec-registry.js';
import { sleepUnlessAborted } from '../abortable-sleep.js';

export interface KubernetesWatchOptions {
  specs: SpecRegistry;
  store: Store;
  /** Namespaces to watch: `all` (every namespace a registered kubernetes spec names) or a list. */
  namespaces: 'all' | string[];
  /** Starts a rollout (the controller's `start`). */
  start(loaded: LoadedSpec, version: string, by: string): Promise<RolloutState>;
  log: Logger;
  /**
   * How often the registered specs are read again to follow uploads, and a change that came while another
   * version's rollout was in flight is tried again (default 5 s).
   */
  pollMs?: number;
  /** How a client is made for a spec's cluster (default: the kubeconfig/in-cluster connection). */
  connect?: (options: ConnectOptions) => Promise<KubeClient>;
}

interface Group {
  connection: ConnectOptions;
  namespace: string;
  /** Deployment → service. */
  deployments: Record<string, string>;
}

const knownKey = (namespace: string, deployment: string): string => `kubernetes-watch:${namespace}/${deployment}`;

/**
 * Watches the template Deployments that the server's registered specs name (platform `kubernetes`: the
 * `deployment` field, default the service name) and starts a rollout of a new version when one's pod template, or
 * a ConfigMap/Secret it references, changes. One DeploymentWatcher per cluster and namespace, restarted when the
 * specs naming it change. The last version handled per Deployment is kept in the store, so a replica that takes
 * over leadership also starts what changed while nobody watched. Runs until `signal` aborts.
 */
export async function watchKubernetes(opts: KubernetesWatchOptions, signal: AbortSignal): Promise<void> {
  const connect = opts.connect ?? (async (o: ConnectOptions) => (await import('../kubernetes/connect.js')).connect(o));
  const running = new Map<string, { key: string; stop: AbortController; done: Promise<void> }>();

  const sync = async (): Promise<void> => {
    const want = await groups(opts);
    for (const [id, w] of running) {
      if (want.get(id) && JSON.stringify(want.get(id)) === w.key) continue;
      w.stop.abort();
      await w.done;
      running.delete(id);
    }
    for (const [id, group] of want) {
      if (running.has(id) || signal.aborted) continue;
      const stop = new AbortController();
      const both = AbortSignal.any([signal, stop.signal]);
      const { done } = await watchGroup(opts, group, await connect(group.connection), both);
      running.set(id, { key: JSON.stringify(group), stop, done });
    }
  };

  while (!signal.aborted) {
    try {
      await sync();
    } catch (err) {
      if (!signal.aborted) opts.log.warn({ err: errorMessage(err) }, 'kubernetes watch: could not follow the specs');
    }
    await sleepUnlessAborted(opts.pollMs ?? 5_000, signal);
  }
  await Promise.allSettled([...running.values()].map((w) => w.done));
}

/** The registered kubernetes specs, grouped by cluster and namespace. */
async function groups(opts: KubernetesWatchOptions): Promise<Map<string, Group>> {
  const out = new Map<string, Group>();
  for (const service of await opts.specs.names()) {
    let loaded: LoadedSpec;
    try {
      loaded = await opts.specs.load(service);
    } catch {
      continue; // a spec that no longer validates starts nothing
    }
    const platform = loaded.spec.spec.platform;
    if (platform.kind !== 'kubernetes') continue;
    if (opts.namespaces !== 'all' && !opts.namespaces.includes(platform.namespace)) continue;
    const connection = { kubeconfig: platform.kubeconfig, context: platform.context };
    const id = JSON.stringify([connection.kubeconfig ?? '', connection.context ?? '', platform.namespace]);
    const group = out.get(id) ?? { connection, namespace: platform.namespace, deployments: {} };
    group.deployments[platform.deployment ?? service] = service;
    out.set(id, group);
  }
  return out;
}

/** Starts one namespace's watcher; resolves once its baseline is recorded, with a promise of its end. */
async function watchGroup(
  opts: KubernetesWatchOptions,
  group: Group,
  client: KubeClient,
  signal: AbortSignal,
): Promise<{ done: Promise<void> }> {
  const known: Record<string, string> = {};
  for (const dep of Object.keys(group.deployments)) {
    const v = await opts.store.getValue(knownKey(group.namespace, dep));
    if (v) known[dep] = v;
  }
  const byService = new Map(Object.entries(group.deployments).map(([dep, service]) => [service, dep]));
  // service → the version that changed while another version's rollout was in flight: started once the service is
  // free (a later change replaces it). Not recorded as known until then, so a replica that takes over the watch
  // sees the change again too.
  const waiting = new Map<string, string>();
  const startRollout = async (service: string, version: string): Promise<void> => {
    const dep = byService.get(service) ?? service;
    try {
      const state = await opts.start(
        await opts.specs.load(service),
        version,
        `kubernetes watcher (${group.namespace}/${dep})`,
      );
      opts.log.info({ service, version, rollout: state.id }, 'kubernetes watch: rollout started');
    } catch (err) {
      if (err instanceof RolloutInFlightError) {
        if (waiting.get(service) !== version) {
          opts.log.info(
            { service, version, err: errorMessage(err) },
            'kubernetes watch: waiting for the rollout in flight',
          );
        }
        waiting.set(service, version);
        return;
      }
      // Already the stable version: nothing to start. Anything else is logged and retried by nobody (a later
      // template change triggers again).
      const level = err instanceof ConflictError ? 'info' : 'warn';
      opts.log[level]({ service, version, err: errorMessage(err) }, 'kubernetes watch: no rollout started');
      if (!(err instanceof ConflictError)) return;
    }
    if (waiting.get(service) === version) waiting.delete(service);
    await opts.store.setValue(knownKey(group.namespace, dep), version);
  };
  const watcher = new DeploymentWatcher(client, {
    namespace: group.namespace,
    deployments: group.deployments,
    known,
    log: opts.log,
    onChange: startRollout,
  });
  const { done } = await watcher.start(signal);
  let retrying = false;
  const retry = setInterval(() => {
    if (retrying || waiting.size === 0) return;
    retrying = true;
    void (async () => {
      for (const [service, version] of [...waiting]) await startRollout(service, version);
    })()
      .catch((err: unknown) => opts.log.warn({ err: errorMessage(err) }, 'kubernetes watch: retry failed'))
      .finally(() => (retrying = false));
  }, opts.pollMs ?? 5_000);
  const stopRetry = (): void => clearInterval(retry);
  done.then(stopRetry, stopRetry);
  signal.addEventListener('abort', stopRetry, { once: true });
  for (const [dep, version] of watcher.current()) {
    if (known[dep] === undefined) await opts.store.setValue(knownKey(group.namespace, dep), version);
  }
  return { done };
}
