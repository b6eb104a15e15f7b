import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ControllerOptions } from '../controller/controller.js';
import { ConfigError, errorMessage } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { openStore } from '../store/index.js';
import { buildServer } from './app.js';
import { defaultIdentity, startBackground, type LeaderElectionSettings } from './background.js';
import { LeaderController } from './leader-controller.js';
import { DemoRollouts, type DemoRolloutOptions } from './demo-rollouts.js';

export interface StartServerOptions {
  host?: string;
  port?: number;
  /** State folder; with `demo` and none given, a temporary one removed at exit. */
  dataDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Also run the demo service (true: rolled out again and again; options: see DemoRollouts, tests drive it). */
  demo?: boolean | Pick<DemoRolloutOptions, 'loop' | 'tweak' | 'rps' | 'gapMs'>;
  webRoot?: string;
  heartbeatMs?: number;
  log?: Logger;
  /** Where to print the URL and a first-login token (default stdout). */
  out?: (line: string) => void;
  /** Postgres URL shared by every replica; without it, SQLite in `dataDir`. */
  databaseUrl?: string;
  /** Contend for this Lease: only the leader drives rollouts. Without it, this server always leads. */
  leaderElection?: LeaderElectionSettings;
  /** Start rollouts when the template Deployments of registered kubernetes specs change (`all` or namespaces). */
  watchKubernetes?: 'all' | string[];
  watchKubernetesPollMs?: number;
  /** GitOps: start rollouts from the specs in this folder, as `chimera watch` does. */
  watchFolder?: string;
  watchFolderPollMs?: number;
  /** How rollout ports are built (tests inject fakes for what no real back-end provides). */
  portsFor?: ControllerOptions['portsFor'];
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  /** The admin token created at start-up when the store had none (shown once). */
  firstToken?: string;
  demo?: DemoRollouts;
  /** The server's controller; `isLeader()` says whether this replica drives rollouts. */
  controller: LeaderController;
  close(): Promise<void>;
}

/**
 * Opens the store, takes over the rollouts left in flight, and serves the API and dashboard. When the store holds no
 * token yet, an admin token is created and printed once, so the first person can log in.
 */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new ConfigError('TLS needs both --tls-cert and --tls-key');
  }
  const out = opts.out ?? ((line: string) => void process.stdout.write(line + '\n'));
  const log = opts.log ?? createLogger('chimera-server');
  const tempDir = opts.demo && !opts.dataDir ? await mkdtemp(join(tmpdir(), 'chimera-server-demo-')) : undefined;
  const dataDir = opts.dataDir ?? tempDir ?? process.env.CHIMERA_DATA_DIR ?? '.chimera';
  const store = await openStore(dataDir, log, opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {});
  const controller = new LeaderController(
    { store, dataDir, log, ...(opts.portsFor ? { portsFor: opts.portsFor } : {}) },
    opts.leaderElection?.identity ?? defaultIdentity(),
  );
  let app: FastifyInstance;
  let url: string;
  try {
    app = await buildServer({
      controller,
      store,
      log,
      ...(opts.tlsCert && opts.tlsKey ? { tls: { cert: opts.tlsCert, key: opts.tlsKey } } : {}),
      ...(opts.webRoot ? { webRoot: opts.webRoot } : {}),
      ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
    });
    url = await listen(app, opts.host ?? '127.0.0.1', opts.port ?? 7070);
  } catch (err) {
    // Nothing was served: leave nothing open behind the error.
    await store.close();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
  let firstToken: string | undefined;
  if ((await app.chimera.tokens.list()).length === 0) {
    firstToken = (await app.chimera.tokens.create('admin', 'first-login')).token;
  }
  // Driving rollouts, the watchers and the demo are the leader's (without leader election: this server's, at once).
  let demo: DemoRollouts | undefined;
  let background: Awaited<ReturnType<typeof startBackground>>;
  try {
    background = await startBackground({
      controller,
      store,
      specs: app.chimera.specs,
      hub: app.chimera.hub,
      log,
      ...pick(opts, ['leaderElection', 'watchKubernetes', 'watchKubernetesPollMs', 'watchFolder', 'watchFolderPollMs']),
      onLead: async () => {
        if (!opts.demo) return undefined;
        const extra = typeof opts.demo === 'object' ? opts.demo : {};
        demo = new DemoRollouts({ controller, specs: app.chimera.specs, dataDir, log, ...extra });
        await demo.start();
        return demo;
      },
    });
  } catch (err) {
    await app.close();
    await controller.close();
    await store.close();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
  // Followers are ready too: they serve reads, the dashboard, commands and approvals (through the store).
  app.chimera.ready = true;
  out(`chimera server listening on ${url}/ (dashboard and API; data in ${dataDir})`);
  if (firstToken) {
    out(`first-login admin token (shown once; create more with \`chimera token create\`):\n  ${firstToken}`);
  }
  if (demo) out(`demo: service '${demo.service}' takes load through ${demo.url}; its rollouts show on the dashboard`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await background.close();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'stopping the leader-only work failed');
      }
      await app.close();
      await controller.close();
      await store.close();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    })());
  return {
    app,
    url,
    dataDir,
    controller,
    ...(firstToken ? { firstToken } : {}),
    ...(demo ? { demo } : {}),
    close,
  };
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** Listens, turning the usual socket refusals into configuration errors that name the address. */
async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    await app.close();
    if (code === 'EADDRINUSE') throw new ConfigError(`${host}:${port} is already in use: pick another --port`);
    if (code === 'EACCES') throw new ConfigError(`not allowed to listen on ${host}:${port}: pick a port above 1023`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new ConfigError(`cannot listen on ${host}: not an address of this machine`);
    }
    throw err;
  }
}
