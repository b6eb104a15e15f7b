import type { Controller } from '../controller/controller.js';
import { TERMINAL_PHASES } from '../core/rollout.js';
import { freePort } from '../demo/demo-environment.js';
import { demoSpecYaml } from '../demo/demo-spec.js';
import { ConflictError, errorMessage } from '../errors.js';
import { startLoad, type LoadHandle } from '../loadgen/index.js';
import type { Logger } from '../logger.js';
import { stopProxy } from '../providers/builtin-proxy/index.js';
import { createPlatform } from '../providers/registry.js';
import type { SpecRegistry } from './spec-registry.js';
import { sleepUnlessAborted } from '../abortable-sleep.js';

export interface DemoRolloutOptions {
  controller: Controller;
  specs: SpecRegistry;
  dataDir: string;
  log: Logger;
  /** Requests per second the load generator sends through the proxy. */
  rps?: number;
  /** Pause between two rollouts. */
  gapMs?: number;
  /** Keep rolling out on its own (default). Off: only the service, its load and clean-up (tests drive rollouts). */
  loop?: boolean;
  /** Adjusts the spec text before it is registered (tests lengthen steps). */
  tweak?: (yaml: string) => string;
}

/**
 * `chimera server --demo`: registers the demo service `shop` (the same spec as `chimera demo`) and keeps rolling
 * it out for people to watch: a healthy release promoted, then the faulty v3 rolled back, then the next healthy
 * release, and so on. Real child processes, the built-in proxy and real HTTP load, driven by the server's controller,
 * so the dashboard's buttons act on real rollouts. A rollout started or aborted from the dashboard just takes a turn.
 */
export class DemoRollouts {
  readonly service = 'shop';
  private load?: LoadHandle;
  private readonly stop = new AbortController();
  private loop?: Promise<void>;
  private proxyUrl = '';

  constructor(private readonly opts: DemoRolloutOptions) {}

  /**
   * Registers the demo spec, starts the load (requests fail until the first rollout brings the proxy up; the load
   * generator just counts them) and the loop in the background.
   */
  async start(): Promise<void> {
    const [listen, admin] = [await freePort(), await freePort()];
    const yaml = demoSpecYaml(this.service, { listen, admin });
    await this.opts.specs.save(this.opts.tweak ? this.opts.tweak(yaml) : yaml, 'demo');
    this.proxyUrl = `http://127.0.0.1:${listen}/`;
    this.load = startLoad({ url: this.proxyUrl, rps: this.opts.rps ?? 300 });
    if (this.opts.loop !== false) this.loop = this.run(this.stop.signal);
  }

  get url(): string {
    return this.proxyUrl;
  }

  /** Stops the loop, the load, the sample service's instances and the proxy. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
    await this.load?.stop();
    const loaded = await this.opts.specs.load(this.service);
    const ctx = { service: this.service, dataDir: this.opts.dataDir, log: this.opts.log };
    const platform = await createPlatform(loaded.spec.spec.platform, ctx);
    const signal = AbortSignal.timeout(30_000);
    for (const v of await platform.list(this.service, signal)) await platform.remove(v, signal);
    await platform.close();
    await stopProxy({ dataDir: this.opts.dataDir, service: this.service });
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { controller, specs, log } = this.opts;
    let next = 2;
    let healthy = true;
    while (!signal.aborted) {
      const version = healthy ? `v${next}` : 'v3';
      try {
        if (!(await controller.inFlight(this.service))) {
          const state = await controller.start(await specs.load(this.service), version, 'demo');
          await this.until(signal, async () => TERMINAL_PHASES.includes((await controller.get(state.id)).phase));
          if (healthy) next = next === 2 ? 4 : next + 1;
          healthy = !healthy;
        }
      } catch (err) {
        // Someone else's rollout of the service is running, or it is already at this version: take the next turn.
        if (!(err instanceof ConflictError)) log.warn({ err: errorMessage(err) }, 'demo rollout failed to start');
        if (err instanceof ConflictError) {
          if (healthy) next = next === 2 ? 4 : next + 1;
          else healthy = true;
        }
      }
      await sleepUnlessAborted(this.opts.gapMs ?? 6000, signal);
    }
  }

  private async until(signal: AbortSignal, done: () => Promise<boolean>): Promise<void> {
    while (!signal.aborted && !(await done())) await sleepUnlessAborted(500, signal);
  }
}
