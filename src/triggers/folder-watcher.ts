import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RolloutState } from '../core/rollout.js';
import { CanaryError, ConflictError, RolloutInFlightError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseSpec, type LoadedSpec } from '../spec/load.js';

export interface FolderWatcherOptions {
  /** The checked-out folder of specs (a git working copy kept up to date by a sync job). */
  dir: string;
  /**
   * Starts the rollout (the controller's `start`). A ConflictError (already stable) is expected; a
   * RolloutInFlightError (another version in flight) makes the watcher try again at every scan.
   */
  start: (loaded: LoadedSpec, version: string) => Promise<RolloutState>;
  log: Logger;
  /** How often the folder is scanned (default 2 s). Polling works on every file system, bind mounts included. */
  pollMs?: number;
}

export interface ScanOutcome {
  file: string;
  service?: string;
  version?: string;
  /**
   * started (id), skipped (why), invalid (the spec's problem), or waiting: another version's rollout is in flight,
   * and the file is read again at every scan until the service is free (the version then in the file wins).
   */
  result: 'started' | 'skipped' | 'invalid' | 'waiting';
  detail: string;
}

const SPEC_FILE = /\.(ya?ml)$/i;
const MAX_DEPTH = 4;

/**
 * GitOps: watches a folder of canary specs and starts a rollout whenever a spec's version (or, without one, its
 * container image's tag) changes. Only files whose content changed are read again; the first scan starts what
 * the folder asks for, and the controller turns "already the stable version" or "already in flight" into a
 * no-op, so restarting the watcher never starts anything twice. A spec that does not validate starts nothing.
 * A new version pushed while another version's rollout is in flight is not dropped: it starts once that rollout
 * ends (the file is read again at every scan until then; a later push replaces it).
 */
export class FolderWatcher {
  private readonly hashes = new Map<string, string>();
  private readonly started = new Map<string, string>();
  /** service → version last reported waiting, so a wait is logged once, not at every scan. */
  private readonly waiting = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<ScanOutcome[]>;

  constructor(private readonly opts: FolderWatcherOptions) {}

  async start(): Promise<ScanOutcome[]> {
    const first = await this.scan();
    this.timer = setInterval(() => void this.scan().catch(() => undefined), this.opts.pollMs ?? 2000);
    return first;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over the folder (scans never overlap). */
  scan(): Promise<ScanOutcome[]> {
    this.running ??= this.scanNow().finally(() => (this.running = undefined));
    return this.running;
  }

  private async scanNow(): Promise<ScanOutcome[]> {
    const out: ScanOutcome[] = [];
    for (const file of await specFiles(this.opts.dir, 0)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // removed between listing and reading
      }
      const hash = createHash('sha256').update(text).digest('hex');
      if (this.hashes.get(file) === hash) continue;
      this.hashes.set(file, hash);
      out.push(...(await this.handle(file, text)));
    }
    for (const o of out) {
      const service = o.service ?? '';
      if (o.result === 'waiting' && this.waiting.get(service) === o.version) continue;
      if (o.result === 'waiting') this.waiting.set(service, o.version ?? '');
      else this.waiting.delete(service);
      this.opts.log.info(o, 'gitops scan');
    }
    return out;
  }

  private async handle(file: string, text: string): Promise<ScanOutcome[]> {
    let specs: LoadedSpec[];
    try {
      specs = parseSpec(text, file, this.opts.dir);
    } catch (err) {
      // Not every YAML file in a repository is a spec; one that is and does not validate says why.
      if (!/kind:\s*Canary/.test(text)) return [];
      return [{ file, result: 'invalid', detail: errorMessage(err).split('\n')[0] ?? 'invalid spec' }];
    }
    const out: ScanOutcome[] = [];
    for (const loaded of specs) {
      const service = loaded.spec.metadata.name;
      const version = loaded.spec.spec.version ?? imageTag(loaded.spec.spec.platform);
      if (!version) {
        out.push({ file, service, result: 'skipped', detail: 'no version and no image tag' });
        continue;
      }
      if (this.started.get(service) === version) {
        out.push({ file, service, version, result: 'skipped', detail: 'version unchanged' });
        continue;
      }
      try {
        const state = await this.opts.start(loaded, version);
        this.started.set(service, version);
        out.push({ file, service, version, result: 'started', detail: state.id });
      } catch (err) {
        if (err instanceof RolloutInFlightError) {
          // Not yet, rather than nothing to do: read the file again at the next scan.
          this.hashes.delete(file);
          out.push({ file, service, version, result: 'waiting', detail: errorMessage(err).split('\n')[0] ?? '' });
          continue;
        }
        if (err instanceof ConflictError) this.started.set(service, version);
        if (!(err instanceof CanaryError)) this.hashes.delete(file); // transient: try again next scan
        out.push({ file, service, version, result: 'skipped', detail: errorMessage(err).split('\n')[0] ?? '' });
      }
    }
    return out;
  }
}

/** `registry:5000/team/shop:v7` → `v7`; no tag or a digest → undefined. */
export function imageTag(platform: unknown): string | undefined {
  const image = (platform as { image?: unknown }).image;
  if (typeof image !== 'string' || image.includes('@')) return undefined;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const i = last.lastIndexOf(':');
  return i > 0 ? last.slice(i + 1) : undefined;
}

async function specFiles(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) files.push(...(await specFiles(p, depth + 1)));
    else if (e.isFile() && SPEC_FILE.test(e.name)) files.push(p);
  }
  return files;
}
