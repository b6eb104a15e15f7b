import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { KubeClient, KubeObject, WatchEvent } from './client.js';
import { CONFIG_MAPS, DEPLOYMENTS, SECRETS, resourcePath, type ResourceType } from './paths.js';
import type { Deployment, PodTemplate } from './types.js';

export interface DeploymentWatcherOptions {
  namespace: string;
  /** Deployment name → Chimera service it triggers. */
  deployments: Record<string, string>;
  /** Called when a watched Deployment's pod template, or a ConfigMap/Secret it references, changes. */
  onChange(service: string, version: string): void | Promise<void>;
  /**
   * Versions already handled, by Deployment (e.g. recorded by the replica that led before): a first sight that
   * differs is a change made while nobody watched, and triggers. Without an entry the first sight only records.
   */
  known?: Record<string, string>;
  log?: Logger;
}

interface ConfigObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** ConfigMaps and Secrets a pod template reads (env, envFrom, volumes, projected volumes). */
export function referencedConfig(template: PodTemplate): { configMaps: string[]; secrets: string[] } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const c of [...template.spec.containers, ...(template.spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef) configMaps.add(e.configMapRef.name);
      if (e.secretRef) secrets.add(e.secretRef.name);
    }
  }
  for (const v of template.spec.volumes ?? []) {
    if (v.configMap) configMaps.add(v.configMap.name);
    if (v.secret) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) configMaps.add(s.configMap.name);
      if (s.secret) secrets.add(s.secret.name);
    }
  }
  return { configMaps: [...configMaps].sort(), secrets: [...secrets].sort() };
}

/**
 * A version name for a pod template and the config it references: `<image tag>-<hash>`, e.g. `1.4.0-3f9a1c2b`.
 * The hash covers the whole template and the referenced objects' data, so a config-only change is a new version.
 */
export function templateVersion(template: PodTemplate, config: Map<string, ConfigObject | undefined>): string {
  const hash = createHash('sha256').update(JSON.stringify(template));
  for (const [key, obj] of [...config.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`\0${key}\0${JSON.stringify(obj?.data ?? null)}\0${JSON.stringify(obj?.binaryData ?? null)}`);
  }
  const image = template.spec.containers[0]?.image ?? '';
  const tag = /:([\w][\w.-]*)$/.exec(image.split('@')[0] ?? '')?.[1] ?? 'rev';
  return `${tag.slice(0, 50)}-${hash.digest('hex').slice(0, 8)}`;
}

/**
 * The Deployment watcher trigger: watches the named Deployments and the ConfigMaps and Secrets in their namespace,
 * and calls `onChange(service, version)` when what a Deployment would run changes. The first sight of each
 * Deployment only records its version (a restart does not start rollouts); watches that end are re-listed and
 * resumed, so a change made while disconnected is still seen.
 */
export class DeploymentWatcher {
  private readonly versions = new Map<string, string>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: DeploymentWatcherOptions,
  ) {}

  /** Current version of each watched Deployment seen so far. */
  current(): ReadonlyMap<string, string> {
    return this.versions;
  }

  /** Runs until `signal` aborts. Resolves once the baseline is recorded and returns a promise of the loops' end. */
  async start(signal: AbortSignal): Promise<{ done: Promise<void> }> {
    for (const name of Object.keys(this.options.deployments)) await this.check(name, signal);
    const done = Promise.all([
      this.loop(DEPLOYMENTS, signal, (obj) => this.check(obj.metadata?.name ?? '', signal)),
      this.loop(CONFIG_MAPS, signal, (obj) => this.configChanged('configmap', obj, signal)),
      this.loop(SECRETS, signal, (obj) => this.configChanged('secret', obj, signal)),
    ]).then(() => undefined);
    return { done };
  }

  private async loop(type: ResourceType, signal: AbortSignal, handle: (obj: KubeObject) => Promise<void>) {
    const path = resourcePath(type, this.options.namespace);
    while (!signal.aborted) {
      try {
        const list = await this.client.request<{ metadata: { resourceVersion: string }; items: KubeObject[] }>(
          'GET',
          path,
          { signal },
        );
        // A re-list after a broken watch catches changes made meanwhile.
        for (const item of list.items) await handle(item);
        const queue: KubeObject[] = [];
        let chain = Promise.resolve();
        await this.client.watch<KubeObject>(
          `${path}?resourceVersion=${list.metadata.resourceVersion}`,
          (event: WatchEvent<KubeObject>) => {
            if (event.type === 'BOOKMARK' || event.type === 'ERROR') return;
            queue.push(event.object);
            chain = chain.then(() => handle(queue.shift()!));
          },
          signal,
        );
        await chain;
      } catch (err) {
        if (signal.aborted) return;
        this.options.log?.warn({ err, path }, 'deployment watcher: watch failed; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private async configChanged(kind: 'configmap' | 'secret', obj: KubeObject, signal: AbortSignal): Promise<void> {
    const name = obj.metadata?.name ?? '';
    for (const dep of Object.keys(this.options.deployments)) {
      const key = this.refs.get(dep);
      if (key?.has(`${kind}/${name}`)) await this.check(dep, signal);
    }
  }

  private readonly refs = new Map<string, Set<string>>();

  private async check(name: string, signal: AbortSignal): Promise<void> {
    const service = this.options.deployments[name];
    if (service === undefined) return;
    const dep = await this.client.get<Deployment>(resourcePath(DEPLOYMENTS, this.options.namespace, name), signal);
    if (!dep) return;
    const { configMaps, secrets } = referencedConfig(dep.spec.template);
    const config = new Map<string, ConfigObject | undefined>();
    for (const cm of configMaps) {
      config.set(
        `configmap/${cm}`,
        await this.client.get(resourcePath(CONFIG_MAPS, this.options.namespace, cm), signal),
      );
    }
    for (const s of secrets) {
      config.set(`secret/${s}`, await this.client.get(resourcePath(SECRETS, this.options.namespace, s), signal));
    }
    this.refs.set(name, new Set(config.keys()));
    const version = templateVersion(dep.spec.template, config);
    const previous = this.versions.get(name);
    this.versions.set(name, version);
    const before = previous ?? this.options.known?.[name];
    if (before === undefined || before === version) return;
    this.options.log?.info({ deployment: name, service, from: before, to: version }, 'deployment watcher: change');
    await this.options.onChange(service, version);
  }
}
