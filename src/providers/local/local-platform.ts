import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Platform, Role, VersionStatus, VersionTarget } from '../../ports/platform.js';
import type { LocalPlatformConfig } from './config.js';
import { readJson, writeJsonAtomic } from './instance-files.js';
import { instanceIndexes, readInstance, removeInstanceFiles, startInstance, stopInstance } from './instances.js';
import { buildLaunchSpec, fingerprint, STOP_GRACE_MS } from './launch-spec.js';
import { freePorts } from './processes.js';
import { instanceReport, summarize } from './report.js';

/** Recorded per version so `list` can say what role a version had when it was deployed or promoted. */
interface VersionRecord {
  role: Role;
  desired: number;
}

/** Folder and file names are made from service and version names: nothing that could leave the folder. */
const SAFE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$/;

/**
 * Runs each version as `replicas` processes of the configured command on this machine, each under a detached
 * supervisor (see `supervisor.ts`) so the services keep running while the controller is down and are adopted
 * again after a restart. All state lives in files under `<dataDir>/local/<service>/<version>/`.
 */
export class LocalPlatform implements Platform {
  readonly kind = 'local';
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly config: LocalPlatformConfig,
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  async deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    signal.throwIfAborted();
    const dir = this.versionDir(target.service, target.version);
    const desired = this.desired(target);
    await this.locked(dir, async () => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const record = readJson<VersionRecord>(path.join(dir, 'version.json'));
      writeJsonAtomic(path.join(dir, 'version.json'), { role: record?.role ?? target.role, desired });
      const wanted = fingerprint(this.config, target.version);
      const toStart: number[] = [];
      for (const index of instanceIndexes(dir).filter((i) => i >= desired)) {
        await stopInstance(readInstance(dir, index), STOP_GRACE_MS);
        removeInstanceFiles(dir, index);
      }
      for (let index = 0; index < desired; index++) {
        const view = readInstance(dir, index);
        if (view.spec?.fingerprint === wanted) {
          // Adopt what runs. A failed instance stays failed: starting it again would hide the failure from
          // a controller that repeats `deploy` after a crash; `remove` clears it.
          if (view.supervisorAlive || view.state?.status === 'failed') continue;
        }
        if (view.supervisorAlive || view.childAlive) await stopInstance(view, STOP_GRACE_MS);
        toStart.push(index);
      }
      const ports = await freePorts(toStart.length);
      toStart.forEach((index, i) => {
        const spec = buildLaunchSpec(this.config, target.service, target.version, index, ports[i]!);
        startInstance(dir, spec);
        this.log.info({ service: target.service, version: target.version, index, port: spec.port }, 'started');
      });
    });
    return this.status(target, signal);
  }

  async status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    signal.throwIfAborted();
    const dir = this.versionDir(target.service, target.version);
    const desired = this.desired(target);
    const indexes = instanceIndexes(dir).filter((i) => i < desired);
    const reports = await Promise.all(
      indexes.map((i) => instanceReport(readInstance(dir, i), this.config.readiness, signal)),
    );
    return { ...summarize(reports, desired), service: target.service, version: target.version, role: target.role };
  }

  promote(canary: VersionTarget, _stable: VersionTarget, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    // Versions are told apart by name, so there is nothing to move; only the recorded role changes.
    const file = path.join(this.versionDir(canary.service, canary.version), 'version.json');
    const record = readJson<VersionRecord>(file);
    if (record) writeJsonAtomic(file, { ...record, role: 'stable' });
    return Promise.resolve();
  }

  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const dir = this.versionDir(target.service, target.version);
    await this.locked(dir, async () => {
      const views = instanceIndexes(dir).map((i) => readInstance(dir, i));
      await Promise.all(views.map((v) => stopInstance(v, STOP_GRACE_MS)));
      rmSync(dir, { recursive: true, force: true });
      this.log.info({ service: target.service, version: target.version }, 'removed');
    });
    try {
      rmdirSync(path.dirname(dir));
    } catch {
      // Other versions still live there.
    }
  }

  async list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    signal.throwIfAborted();
    const serviceDir = this.serviceDir(service);
    let versions: string[];
    try {
      versions = readdirSync(serviceDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && SAFE_NAME.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
    const found: VersionStatus[] = [];
    for (const version of versions) {
      const dir = path.join(serviceDir, version);
      const alive = instanceIndexes(dir).some((i) => {
        const v = readInstance(dir, i);
        return v.supervisorAlive || v.childAlive;
      });
      if (!alive) continue;
      const record = readJson<VersionRecord>(path.join(dir, 'version.json'));
      found.push(
        await this.status({ service, version, role: record?.role ?? 'stable', replicas: record?.desired }, signal),
      );
    }
    return found;
  }

  close(): Promise<void> {
    // Nothing to release: instances belong to their supervisors, not to this object.
    return Promise.resolve();
  }

  private desired(target: VersionTarget): number {
    return target.replicas ?? this.config.replicas;
  }

  private serviceDir(service: string): string {
    if (!SAFE_NAME.test(service)) throw new ConfigError(`invalid service name for the local platform: '${service}'`);
    return path.join(this.dataDir, 'local', service);
  }

  private versionDir(service: string, version: string): string {
    if (!SAFE_NAME.test(version)) throw new ConfigError(`invalid version name for the local platform: '${version}'`);
    return path.join(this.serviceDir(service), version);
  }

  /** Serialises deploy and remove of one version within this process. */
  private async locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}
