import type Docker from 'dockerode';
import type { ContainerInfo, ContainerInspectInfo } from 'dockerode';
import { ProviderError } from '../../errors.js';
import type { Endpoint, Platform, Role, VersionStatus, VersionTarget } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { DockerPlatformConfig } from './config.js';
import { allocatePort, engineMessage, httpCheck, imageFor, LABEL, statusCodeOf } from './shared.js';

/** Docker's own label on a Swarm task's container. */
const SWARM_TASK_LABEL = 'com.docker.swarm.task.id';

/** Restarts after which a container that keeps exiting is a crash loop, not a slow start. */
const CRASH_LOOP_RESTARTS = 3;

/**
 * Runs each version as `replicas` containers with host networking, each bound to its own loopback port (passed
 * as PORT, the address as HOST), labelled `chimera.service`, `chimera.version`, `chimera.role` (role at creation),
 * `chimera.port` and `chimera.replica` so a restarted controller finds and adopts them.
 */
export class DockerPlatform implements Platform {
  readonly kind = 'docker';
  /** Why the last deploy of a version could not create its containers (image missing): reported by `status`. */
  private readonly deployFailures = new Map<string, string>();

  constructor(
    private readonly docker: Docker,
    private readonly config: DockerPlatformConfig,
    private readonly ctx: ProviderContext,
  ) {}

  async deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const key = `${target.service}/${target.version}`;
    const want = target.replicas ?? this.config.replicas;
    const existing = await this.containers(target.service, target.version, signal);
    const byReplica = new Map(existing.map((c) => [Number(c.Labels[LABEL.replica]), c]));
    // Scale down first: extra replicas go, highest index first.
    for (const c of existing.filter((c) => Number(c.Labels[LABEL.replica]) >= want))
      await this.removeContainer(c.Id, signal);
    for (let i = 0; i < want; i++) {
      signal.throwIfAborted();
      const found = byReplica.get(i);
      if (found && found.State !== 'created') continue;
      try {
        const id = found?.Id ?? (await this.create(target, i, signal));
        await this.docker
          .getContainer(id)
          .start({ abortSignal: signal })
          .catch((err: unknown) => {
            if (statusCodeOf(err) !== 304) throw err; // 304: already started
          });
      } catch (err) {
        if (err instanceof ImageMissing) {
          this.deployFailures.set(key, err.message);
          return this.status(target, signal);
        }
        throw this.wrap(`starting ${target.service} ${target.version} replica ${i}`, err);
      }
    }
    this.deployFailures.delete(key);
    return this.status(target, signal);
  }

  async status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const containers = await this.containers(target.service, target.version, signal);
    const desired = target.replicas ?? this.config.replicas;
    return this.describe(target.service, target.version, target.role, desired, containers, signal);
  }

  async promote(_canary: VersionTarget, _stable: VersionTarget, _signal: AbortSignal): Promise<void> {
    // Containers are addressed by version, not by a fixed primary slot: the router switches, nothing moves here.
  }

  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    for (const c of await this.containers(target.service, target.version, signal))
      await this.removeContainer(c.Id, signal);
    this.deployFailures.delete(`${target.service}/${target.version}`);
  }

  async list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    const all = await this.containers(service, undefined, signal);
    const versions = [...new Set(all.map((c) => c.Labels[LABEL.version]!))];
    return Promise.all(
      versions.map((v) => {
        const mine = all.filter((c) => c.Labels[LABEL.version] === v);
        const role = (mine[0]?.Labels[LABEL.role] === 'canary' ? 'canary' : 'stable') satisfies Role;
        return this.describe(service, v, role, mine.length, mine, signal);
      }),
    );
  }

  async close(): Promise<void> {}

  private async containers(
    service: string,
    version: string | undefined,
    signal: AbortSignal,
  ): Promise<ContainerInfo[]> {
    const label = [`${LABEL.service}=${service}`];
    if (version !== undefined) label.push(`${LABEL.version}=${version}`);
    let found: ContainerInfo[];
    try {
      found = await this.docker.listContainers({ all: true, filters: { label }, abortSignal: signal });
    } catch (err) {
      throw this.wrap('listing containers', err);
    }
    // Swarm tasks carry the labels the Swarm platform gives its services (the same ones): they are Swarm's to
    // run and remove. Adopting one (say, a task of a removed service, still stopping) would wait on a container
    // that never becomes this platform's replica.
    return found.filter((c) => c.Labels[SWARM_TASK_LABEL] === undefined);
  }

  private async create(target: VersionTarget, replica: number, signal: AbortSignal): Promise<string> {
    const image = imageFor(this.config.image, target.version);
    await this.ensureImage(image, signal);
    const all = await this.docker.listContainers({ all: true, filters: { label: [LABEL.port] }, abortSignal: signal });
    const taken = new Set(all.map((c) => Number(c.Labels[LABEL.port])));
    const port = await allocatePort(this.config.ports, this.config.host, taken);
    const env = {
      ...this.config.env,
      PORT: String(port),
      HOST: this.config.host,
      CHIMERA_SERVICE: target.service,
      CHIMERA_VERSION: target.version,
    };
    const container = await this.docker.createContainer({
      name: `chimera-${target.service}-${target.version}-${replica}`,
      Image: image,
      Cmd: this.config.command,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: {
        [LABEL.service]: target.service,
        [LABEL.version]: target.version,
        [LABEL.role]: target.role,
        [LABEL.port]: String(port),
        [LABEL.replica]: String(replica),
      },
      // Host networking on a loopback port: no bridge, no NAT, nothing reachable from outside unless asked.
      // unless-stopped: the data plane keeps running (and restarting) while the controller is down.
      HostConfig: { NetworkMode: 'host', RestartPolicy: { Name: 'unless-stopped' } },
      abortSignal: signal,
    });
    this.ctx.log.info({ service: target.service, version: target.version, replica, port }, 'container created');
    return container.id;
  }

  private async ensureImage(image: string, signal: AbortSignal): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
    if (this.config.pull === 'never') throw new ImageMissing(`image ${image} is not present locally (pull: never)`);
    try {
      const stream = await this.docker.pull(image, { abortSignal: signal });
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      throw new ImageMissing(`image ${image} is not present locally and pulling it failed: ${engineMessage(err)}`);
    }
  }

  private async removeContainer(id: string, signal: AbortSignal): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, abortSignal: signal });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw this.wrap(`removing container ${id.slice(0, 12)}`, err);
    }
  }

  private async describe(
    service: string,
    version: string,
    role: Role,
    desired: number,
    containers: ContainerInfo[],
    signal: AbortSignal,
  ): Promise<VersionStatus> {
    const endpoints: Endpoint[] = [];
    const problems: string[] = [];
    let failed = false;
    for (const c of containers) {
      const port = Number(c.Labels[LABEL.port]);
      const name = `container ${c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)}`;
      const info = await this.inspect(c.Id, signal);
      if (!info) continue;
      const state = info.State;
      if (!state.Running || state.Restarting) {
        const loop = info.RestartCount >= CRASH_LOOP_RESTARTS;
        failed ||= loop;
        problems.push(
          loop
            ? `${name} is crash-looping: restarted ${info.RestartCount} times, last exit code ${state.ExitCode}`
            : `${name} is ${state.Status}${state.ExitCode ? ` (exit code ${state.ExitCode})` : ''}${state.Error ? `: ${state.Error}` : ''}`,
        );
        continue;
      }
      const health = state.Health;
      if (health && health.Status !== 'healthy') {
        const last = health.Log?.at(-1)?.Output?.trim();
        problems.push(`${name} is ${health.Status}${last ? `: ${last.slice(0, 200)}` : ''}`);
        continue;
      }
      const endpoint = { host: this.config.host, port };
      if (this.config.healthCheck) {
        const why = await httpCheck(endpoint, this.config.healthCheck.path, this.config.healthCheck.timeout);
        if (why) {
          problems.push(`${name} not healthy yet: ${why}`);
          continue;
        }
      }
      endpoints.push(endpoint);
    }
    const deployFailure = containers.length === 0 ? this.deployFailures.get(`${service}/${version}`) : undefined;
    if (deployFailure) {
      failed = true;
      problems.unshift(deployFailure);
    }
    return {
      service,
      version,
      role,
      desired,
      ready: endpoints.length,
      endpoints,
      refs: { containers: containers.map((c) => c.Id).join(','), ports: endpoints.map((e) => e.port).join(',') },
      ...(problems.length > 0 ? { message: problems.join('; ') } : {}),
      ...(failed ? { failed } : {}),
    };
  }

  private async inspect(id: string, signal: AbortSignal): Promise<ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(id).inspect({ abortSignal: signal });
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined; // removed between list and inspect
      throw this.wrap(`inspecting container ${id.slice(0, 12)}`, err);
    }
  }

  private wrap(what: string, err: unknown): ProviderError {
    if (err instanceof ProviderError) return err;
    const code = statusCodeOf(err);
    // Engine unreachable or 5xx may heal; 4xx (bad request, conflict) will not by retrying the same call.
    const retriable = code === undefined || code >= 500;
    return new ProviderError(`Docker: ${what} failed: ${engineMessage(err)}`, this.kind, retriable, { cause: err });
  }
}

class ImageMissing extends Error {}
