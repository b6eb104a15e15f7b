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

const replicaOf = (svc: ServiceSummary): number => Number(svc.Spec?.Labels?.[LABEL.replica] ?? 0);

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

/** A Swarm service name for one instance: `<service>-<version>-<i>`, shortened with a hash past 63 characters. */
export function serviceName(service: string, version: string, replica = 0): string {
  const raw = `${service}-${version}-${replica}`;
  // Swarm wants a DNS name component: no dots or underscores. A hash keeps `1.0` and `1-0` apart.
  let name = raw.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (name !== raw) name = `${name}-${createHash('sha256').update(raw).digest('hex').slice(0, 6)}`;
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}-${createHash('sha256').update(raw).digest('hex').slice(0, 8)}`;
}

/**
 * Runs each instance of a version as a one-task Swarm service (`<service>-<version>-<i>`) with host networking on
 * its own port — Swarm restarts and reschedules it; several tasks of one service would all bind the same port — labelled like
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
    const want = target.replicas ?? this.config.replicas;
    const existing = await this.find(target.service, target.version, signal);
    const have = new Set(existing.map(replicaOf));
    try {
      for (const svc of existing.filter((x) => replicaOf(x) >= want)) await this.removeService(svc, signal);
      for (let i = 0; i < want; i++) if (!have.has(i)) await this.create(target, i, signal);
    } catch (err) {
      throw this.wrap(`deploying ${target.service} ${target.version}`, err);
    }
    return this.status(target, signal);
  }

  async status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const services = await this.find(target.service, target.version, signal);
    return this.describe(
      target.service,
      target.version,
      target.role,
      target.replicas ?? this.config.replicas,
      services,
      signal,
    );
  }

  async promote(_canary: VersionTarget, _stable: VersionTarget, _signal: AbortSignal): Promise<void> {
    // Versions are separate services addressed by their ports: the router switches, nothing moves here.
  }

  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    for (const svc of await this.find(target.service, target.version, signal)) await this.removeService(svc, signal);
  }

  async list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    const all = await this.services([`${LABEL.service}=${service}`], signal);
    const versions = [...new Set(all.map((svc) => svc.Spec?.Labels?.[LABEL.version] ?? ''))];
    return Promise.all(
      versions.map((v) => {
        const mine = all.filter((svc) => svc.Spec?.Labels?.[LABEL.version] === v);
        const role: Role = mine[0]?.Spec?.Labels?.[LABEL.role] === 'canary' ? 'canary' : 'stable';
        return this.describe(service, v, role, mine.length, mine, signal);
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

  private async find(service: string, version: string, signal: AbortSignal): Promise<ServiceSummary[]> {
    const found = await this.services([`${LABEL.service}=${service}`, `${LABEL.version}=${version}`], signal);
    return found.sort((a, b) => replicaOf(a) - replicaOf(b));
  }

  private async removeService(svc: ServiceSummary, signal: AbortSignal): Promise<void> {
    try {
      await this.docker.getService(svc.ID).remove({ abortSignal: signal });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw this.wrap(`removing ${svc.Spec?.Name}`, err);
    }
  }

  private async create(target: VersionTarget, replica: number, signal: AbortSignal): Promise<void> {
    const taken = new Set((await this.services([LABEL.port], signal)).map((s) => Number(s.Spec?.Labels?.[LABEL.port])));
    const port = await allocatePort(this.config.ports, this.config.host, taken);
    const labels = {
      [LABEL.service]: target.service,
      [LABEL.version]: target.version,
      [LABEL.role]: target.role,
      [LABEL.port]: String(port),
      [LABEL.replica]: String(replica),
    };
    const env = {
      ...this.config.env,
      PORT: String(port),
      HOST: this.config.host,
      CHIMERA_SERVICE: target.service,
      CHIMERA_VERSION: target.version,
    };
    await this.docker.createService({
      Name: serviceName(target.service, target.version, replica),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: imageFor(this.config.image, target.version),
          ...(this.config.command ? { Command: this.config.command } : {}),
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          Labels: labels,
        },
        // Host networking: the task binds PORT on its node. One task per service, so each instance has its own port.
        Networks: [{ Target: 'host' }],
        RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
      },
      Mode: { Replicated: { Replicas: 1 } },
    } as CreateServiceOptions);
    this.ctx.log.info({ service: target.service, version: target.version, port, replica }, 'swarm service created');
  }

  private async describe(
    service: string,
    version: string,
    role: Role,
    desired: number,
    services: ServiceSummary[],
    signal: AbortSignal,
  ): Promise<VersionStatus> {
    const endpoints: Endpoint[] = [];
    const problems: string[] = [];
    let failed = false;
    for (const svc of services) {
      const one = await this.instance(svc, version, signal);
      endpoints.push(...one.endpoints);
      problems.push(...one.problems);
      failed ||= one.failed;
    }
    return {
      service,
      version,
      role,
      desired,
      ready: endpoints.length,
      endpoints,
      refs: {
        serviceIds: services.map((s) => s.ID).join(','),
        serviceNames: services.map((s) => s.Spec?.Name ?? '').join(','),
        ports: services.map((s) => s.Spec?.Labels?.[LABEL.port] ?? '').join(','),
      },
      ...(problems.length > 0 && endpoints.length < desired ? { message: problems.join('; ') } : {}),
      ...(failed ? { failed } : {}),
    };
  }

  /** One instance (a one-task service): its endpoint when running and healthy, else why not. */
  private async instance(
    svc: ServiceSummary,
    version: string,
    signal: AbortSignal,
  ): Promise<{ endpoints: Endpoint[]; problems: string[]; failed: boolean }> {
    const port = Number(svc.Spec?.Labels?.[LABEL.port]);
    const name = svc.Spec?.Name ?? svc.ID;
    let tasks: TaskSummary[];
    try {
      tasks = (await this.docker.listTasks({ filters: { service: [svc.ID] }, abortSignal: signal })) as TaskSummary[];
    } catch (err) {
      throw this.wrap(`listing tasks of ${name}`, err);
    }
    tasks.sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''));
    const running = tasks.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running');
    const problems: string[] = [];
    const endpoints: Endpoint[] = [];
    for (const host of await this.hostsOf(running)) {
      const endpoint = { host, port };
      const hc = this.config.healthCheck;
      const why = hc ? await httpCheck(endpoint, hc.path, hc.timeout) : undefined;
      if (why) problems.push(`${name} not healthy yet: ${why}`);
      else endpoints.push(endpoint);
    }
    if (running.length > 0) return { endpoints, problems, failed: false };
    const pending = tasks.find((t) => t.DesiredState === 'running');
    if (pending)
      problems.push(
        `${name} task ${pending.Status?.State ?? '?'} ${pending.Status?.Err ?? pending.Status?.Message ?? ''}`.trim(),
      );
    // The newest tasks tell whether Swarm keeps replacing failing ones (image missing, crash loop).
    const recent = tasks.slice(0, CRASH_LOOP_TASKS);
    const rejected = recent.find(
      (t) => t.Status?.State === 'rejected' && /no such image|not found|pull access denied/i.test(t.Status?.Err ?? ''),
    );
    if (rejected) {
      problems.unshift(`image ${imageFor(this.config.image, version)} cannot be used: ${rejected.Status?.Err}`);
      return { endpoints, problems, failed: true };
    }
    const crashed = recent.filter((t) => t.Status?.State === 'failed');
    if (crashed.length >= CRASH_LOOP_TASKS) {
      const code = crashed[0]?.Status?.ContainerStatus?.ExitCode;
      problems.unshift(
        `${name} keeps failing (crash loop): ${crashed[0]?.Status?.Err ?? 'exited'}${code !== undefined ? `, exit code ${code}` : ''}`,
      );
      return { endpoints, problems, failed: true };
    }
    return { endpoints, problems, failed: false };
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
