import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { CreateServiceOptions } from 'dockerode';
import { ProviderError } from '../../errors.js';
import type { Endpoint, Platform, Role, VersionStatus, VersionTarget } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import { allocatePort, engineMessage, httpCheck, imageFor, LABEL, statusCodeOf } from '../docker/shared.js';
import type { SwarmPlatformConfig } from './config.js';

/** Failed tasks in a row after which a version is a crash loop rather than a slow start. */
const CRASH_LOOP_TASKS = 3;

interface ServiceSummary {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Name?: string; Labels?: Record<string, string>; Mode?: { Replicated?: { Replicas?: number } } } & Record<
    string,
    unknown
  >;
}

interface TaskSummary {
  ID: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ExitCode?: number } };
}

/** A Swarm service name for a version: `<service>-<version>`, shortened with a hash past 63 characters. */
export function serviceName(service: string, version: string): string {
  const name = `${service}-${version}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/**
 * Runs each version as a Swarm service (`<service>-<version>`) with host networking on its own port, labelled like
 * the Docker platform's containers so a restarted controller adopts them. Swarm's routing mesh is never used for
 * the split: its VIP balances round-robin over tasks and cannot weight them, so traffic goes through the built-in
 * proxy or HAProxy to the versions' endpoints.
 */
export class SwarmPlatform implements Platform {
  readonly kind = 'swarm';

  constructor(
    private readonly docker: Docker,
    private readonly config: SwarmPlatformConfig,
    private readonly ctx: ProviderContext,
  ) {}

  async deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const replicas = target.replicas ?? this.config.replicas;
    const existing = await this.find(target.service, target.version, signal);
    try {
      if (!existing) await this.create(target, replicas, signal);
      else if (existing.Spec?.Mode?.Replicated?.Replicas !== replicas) await this.scale(existing, replicas);
    } catch (err) {
      throw this.wrap(`deploying ${serviceName(target.service, target.version)}`, err);
    }
    return this.status(target, signal);
  }

  async status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const svc = await this.find(target.service, target.version, signal);
    return this.describe(
      target.service,
      target.version,
      target.role,
      target.replicas ?? this.config.replicas,
      svc,
      signal,
    );
  }

  async promote(_canary: VersionTarget, _stable: VersionTarget, _signal: AbortSignal): Promise<void> {
    // Versions are separate services addressed by their ports: the router switches, nothing moves here.
  }

  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    const svc = await this.find(target.service, target.version, signal);
    if (!svc) return;
    try {
      await this.docker.getService(svc.ID).remove({ abortSignal: signal });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw this.wrap(`removing ${svc.Spec?.Name}`, err);
    }
  }

  async list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    const all = await this.services([`${LABEL.service}=${service}`], signal);
    return Promise.all(
      all.map((svc) => {
        const labels = svc.Spec?.Labels ?? {};
        const role: Role = labels[LABEL.role] === 'canary' ? 'canary' : 'stable';
        return this.describe(
          service,
          labels[LABEL.version]!,
          role,
          svc.Spec?.Mode?.Replicated?.Replicas ?? 0,
          svc,
          signal,
        );
      }),
    );
  }

  async close(): Promise<void> {}

  private async services(label: string[], signal: AbortSignal): Promise<ServiceSummary[]> {
    try {
      return (await this.docker.listServices({ filters: { label }, abortSignal: signal })) as ServiceSummary[];
    } catch (err) {
      throw this.wrap('listing services (is this engine a Swarm manager?)', err);
    }
  }

  private async find(service: string, version: string, signal: AbortSignal): Promise<ServiceSummary | undefined> {
    const [svc] = await this.services([`${LABEL.service}=${service}`, `${LABEL.version}=${version}`], signal);
    return svc;
  }

  private async create(target: VersionTarget, replicas: number, signal: AbortSignal): Promise<void> {
    const taken = new Set((await this.services([LABEL.port], signal)).map((s) => Number(s.Spec?.Labels?.[LABEL.port])));
    const port = await allocatePort(this.config.ports, this.config.host, taken);
    const labels = {
      [LABEL.service]: target.service,
      [LABEL.version]: target.version,
      [LABEL.role]: target.role,
      [LABEL.port]: String(port),
    };
    const env = {
      ...this.config.env,
      PORT: String(port),
      HOST: this.config.host,
      CHIMERA_SERVICE: target.service,
      CHIMERA_VERSION: target.version,
    };
    await this.docker.createService({
      Name: serviceName(target.service, target.version),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: imageFor(this.config.image, target.version),
          ...(this.config.command ? { Command: this.config.command } : {}),
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          Labels: labels,
        },
        // Host networking: each task binds PORT on its node, so one task per node.
        Networks: [{ Target: 'host' }],
        Placement: { MaxReplicas: 1 },
        RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
      },
      Mode: { Replicated: { Replicas: replicas } },
    } as CreateServiceOptions);
    this.ctx.log.info({ service: target.service, version: target.version, port, replicas }, 'swarm service created');
  }

  private async scale(svc: ServiceSummary, replicas: number): Promise<void> {
    const info = (await this.docker.getService(svc.ID).inspect()) as ServiceSummary;
    const spec = { ...info.Spec, Mode: { Replicated: { Replicas: replicas } } };
    // The version index makes a concurrent change fail instead of being overwritten.
    await this.docker.getService(svc.ID).update({ _query: { version: info.Version?.Index }, _body: spec });
  }

  private async describe(
    service: string,
    version: string,
    role: Role,
    desired: number,
    svc: ServiceSummary | undefined,
    signal: AbortSignal,
  ): Promise<VersionStatus> {
    const base = { service, version, role, desired, refs: {} as Record<string, string> };
    if (!svc) return { ...base, ready: 0, endpoints: [] };
    const port = Number(svc.Spec?.Labels?.[LABEL.port]);
    base.refs = { serviceId: svc.ID, serviceName: svc.Spec?.Name ?? '', port: String(port) };
    let tasks: TaskSummary[];
    try {
      tasks = (await this.docker.listTasks({ filters: { service: [svc.ID] }, abortSignal: signal })) as TaskSummary[];
    } catch (err) {
      throw this.wrap(`listing tasks of ${svc.Spec?.Name}`, err);
    }
    tasks.sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''));
    const running = tasks.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running');
    const problems: string[] = [];
    const endpoints: Endpoint[] = [];
    for (const nodeHost of await this.hostsOf(running)) {
      const endpoint = { host: nodeHost, port };
      const why = this.config.healthCheck
        ? await httpCheck(endpoint, this.config.healthCheck.path, this.config.healthCheck.timeout)
        : undefined;
      if (why) problems.push(`task not healthy yet: ${why}`);
      else endpoints.push(endpoint);
    }
    const pending = tasks.filter((t) => t.DesiredState === 'running' && t.Status?.State !== 'running');
    for (const t of pending.slice(0, 3))
      problems.push(`task ${t.Status?.State ?? '?'}: ${t.Status?.Err ?? t.Status?.Message ?? ''}`.trim());
    // The newest tasks tell whether Swarm keeps replacing failing ones (crash loop, image missing).
    const recent = tasks.slice(0, CRASH_LOOP_TASKS);
    const rejected = recent.find(
      (t) => t.Status?.State === 'rejected' && /no such image|not found|pull access denied/i.test(t.Status?.Err ?? ''),
    );
    const failing =
      recent.length >= CRASH_LOOP_TASKS &&
      recent.every(
        (t) => ['failed', 'rejected', 'shutdown'].includes(t.Status?.State ?? '') || t.DesiredState === 'shutdown',
      );
    let failed = false;
    if (running.length === 0 && rejected) {
      failed = true;
      problems.unshift(`image ${imageFor(this.config.image, version)} cannot be used: ${rejected.Status?.Err}`);
    } else if (
      running.length === 0 &&
      failing &&
      tasks.filter((t) => t.Status?.State === 'failed').length >= CRASH_LOOP_TASKS
    ) {
      failed = true;
      const last = recent.find((t) => t.Status?.State === 'failed');
      problems.unshift(`tasks keep failing (crash loop): ${last?.Status?.Err ?? 'exited'}`);
    }
    return {
      ...base,
      ready: endpoints.length,
      endpoints,
      ...(problems.length > 0 && endpoints.length < desired ? { message: problems.join('; ') } : {}),
      ...(failed ? { failed } : {}),
    };
  }

  /** The address each running task binds: the configured loopback host, or its node's address when not loopback. */
  private async hostsOf(running: TaskSummary[]): Promise<string[]> {
    if (/^(127\.|::1$|localhost$)/.test(this.config.host)) return running.map(() => this.config.host);
    const nodes = (await this.docker.listNodes()) as { ID: string; Status?: { Addr?: string } }[];
    const addr = new Map(nodes.map((n) => [n.ID, n.Status?.Addr ?? this.config.host]));
    return running.map((t) => addr.get(t.NodeID ?? '') ?? this.config.host);
  }

  private wrap(what: string, err: unknown): ProviderError {
    if (err instanceof ProviderError) return err;
    const code = statusCodeOf(err);
    return new ProviderError(
      `Swarm: ${what} failed: ${engineMessage(err)}`,
      this.kind,
      code === undefined || code >= 500,
      { cause: err },
    );
  }
}
