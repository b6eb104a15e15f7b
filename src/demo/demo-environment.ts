import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../controller/controller.js';
import { summarize, type RolloutSummary } from '../core/summary.js';
import type { RolloutState } from '../core/rollout.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { createPlatform } from '../providers/registry.js';
import { stopProxy } from '../providers/builtin-proxy/index.js';
import { parseSpec, type LoadedSpec } from '../spec/load.js';
import { openStore } from '../store/index.js';
import { startLoad, type LoadHandle } from '../loadgen/index.js';
import { demoSpecYaml } from './demo-spec.js';

export type Scenario = 'healthy' | 'faulty';

/** Versions each scenario rolls out: healthy v1 → v2 is promoted, faulty → v3 is rolled back. */
const TARGET: Record<Scenario, string> = { healthy: 'v2', faulty: 'v3' };

/**
 * Everything `chimera demo` runs: a sample service under the local platform, the built-in proxy, a load
 * generator sending real HTTP requests through it, and a controller driving real rollouts. All of it lives in
 * one data folder and is torn down at the end (the demo, unlike real use, leaves nothing running).
 */
export class DemoEnvironment {
  readonly service = 'shop';
  private load?: LoadHandle;
  private ownsDataDir = false;

  private constructor(
    readonly dataDir: string,
    readonly loaded: LoadedSpec,
    readonly store: Store,
    readonly controller: Controller,
    readonly proxyUrl: string,
    private readonly log: Logger,
    private readonly rps: number,
  ) {}

  static async create(opts: { dataDir?: string; log: Logger; rps?: number; store?: Store }): Promise<DemoEnvironment> {
    const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'chimera-demo-')));
    const [listen, admin] = [await freePort(), await freePort()];
    const [spec] = parseSpec(demoSpecYaml('shop', { listen, admin }), 'demo.yaml', process.cwd());
    const store = opts.store ?? (await openStore(dataDir, opts.log));
    const controller = new Controller({ store, dataDir, log: opts.log });
    const env = new DemoEnvironment(
      dataDir,
      spec!,
      store,
      controller,
      `http://127.0.0.1:${listen}/`,
      opts.log,
      opts.rps ?? 400,
    );
    env.ownsDataDir = opts.dataDir === undefined;
    return env;
  }

  /** Starts one scenario's rollout (the stable version and the proxy come up first) and the load, if not yet on. */
  async start(scenario: Scenario): Promise<RolloutState> {
    const state = await this.controller.start(this.loaded, TARGET[scenario], 'demo');
    this.load ??= startLoad({ url: this.proxyUrl, rps: this.rps });
    return state;
  }

  async run(scenario: Scenario): Promise<RolloutSummary> {
    const started = await this.start(scenario);
    await this.controller.wait(started.id);
    return summarize(await this.controller.get(started.id));
  }

  /** Stops the load, every instance of the sample service, the proxy, and the controller. */
  async close(): Promise<void> {
    await this.load?.stop();
    await this.controller.close();
    const platform = await createPlatform(this.loaded.spec.spec.platform, {
      service: this.service,
      dataDir: this.dataDir,
      log: this.log,
    });
    const signal = AbortSignal.timeout(30_000);
    for (const v of await platform.list(this.service, signal)) await platform.remove(v, signal);
    await platform.close();
    await stopProxy({ dataDir: this.dataDir, service: this.service });
    await this.store.close();
    if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
