import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutState } from '../../src/core/rollout.js';
import type { KubeClient } from '../../src/kubernetes/client.js';
import { DEPLOYMENTS, HTTP_ROUTES, LEASES, resourcePath } from '../../src/kubernetes/paths.js';
import type { Lease } from '../../src/kubernetes/types.js';
import { silentLogger } from '../../src/logger.js';
import { eventually } from '../../src/ports/platform.conformance.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import {
  prometheusBinary,
  requireBackend,
  startPrometheus,
  type PrometheusInstance,
} from '../prometheus/prometheus-process.js';
import { createTestDatabase, pgAvailable, pgTestEnv } from '../store/postgres-env.js';
import {
  createNamespace,
  kubeAvailable,
  kubeconfigPath,
  signal,
  simulateControllers,
  templateDeployment,
  testClient,
} from './cluster.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const LEASE = 'chimera-controller';
/** The CLI's default lease duration: a killed leader's Lease is taken over once it has not changed for this long. */
const LEASE_MS = 15_000;
const prometheus = prometheusBinary();
const promAvailable = requireBackend('prometheus', prometheus, 'bash scripts/test-env/prometheus.sh');
// The replicas share Postgres through DATABASE_URL, as in the cluster, when it is available; else SQLite on this host.
const pg = pgTestEnv();
const postgres = kubeAvailable && promAvailable && (await pgAvailable(pg));

describe.skipIf(!kubeAvailable || !promAvailable)(
  'a SIGKILLed `chimera server` leader on a real kube-apiserver',
  () => {
    let client: KubeClient;
    let ns: string;
    let dataDir: string;
    let child: ChildProcess | undefined;
    let output = '';
    let b: RunningServer | undefined;
    const stopSim = new AbortController();
    let sim: Promise<void>;
    let prom: PrometheusInstance;
    let db: { url: string; drop(): Promise<void> } | undefined;

    beforeAll(async () => {
      // A real Prometheus with no series for the service: no readings, so the rollout stays in flight.
      prom = await startPrometheus(prometheus!, []);
      client = testClient();
      ns = await createNamespace(client, 'crash');
      await client.create(resourcePath(DEPLOYMENTS, ns), templateDeployment(ns, 'web'), signal());
      await client.create(
        resourcePath(HTTP_ROUTES, ns),
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'web', namespace: ns },
          spec: { parentRefs: [{ name: 'public' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
        },
        signal(),
      );
      sim = simulateControllers(client, ns, stopSim.signal);
      dataDir = await mkdtemp(join(tmpdir(), 'chimera-crash-'));
      if (postgres) db = await createTestDatabase(pg.url!);
    });

    afterAll(async () => {
      child?.kill('SIGKILL');
      await b?.close();
      stopSim.abort();
      await sim;
      await prom.stop();
      await db?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('given the CLI leading through the environment the manifest sets, when it is killed mid-rollout, then the other replica takes over within the lease duration and resumes the rollout', async () => {
      // The first replica: the real CLI, configured only through the environment deploy/kubernetes sets.
      child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/kubernetes/cli-entry.ts', 'server', '--port', '0', '--data-dir', dataDir],
        {
          cwd: REPO,
          env: {
            ...process.env,
            CHIMERA_LOG_LEVEL: 'info',
            KUBECONFIG: kubeconfigPath,
            POD_NAME: 'replica-cli',
            POD_NAMESPACE: ns,
            CHIMERA_LEADER_ELECTION_LEASE: LEASE,
            CHIMERA_WATCH_KUBERNETES: ns,
            ...(db ? { DATABASE_URL: db.url } : {}),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const lease = () => client.get<Lease>(resourcePath(LEASES, ns, LEASE), signal());
      await eventually(lease, (l) => l?.spec.holderIdentity === 'replica-cli', 60_000).catch((err: Error) => {
        throw new Error(`${err.message}\nCLI output:\n${output}`);
      });

      // The second replica, in this process, on the same store: a follower while the CLI leads.
      b = await startServer({
        port: 0,
        dataDir,
        log: silentLogger,
        out: () => undefined,
        leaderElection: { lease: LEASE, namespace: ns, identity: 'replica-b', kubeconfig: kubeconfigPath },
        ...(db ? { databaseUrl: db.url } : {}),
        watchKubernetes: [ns],
      });
      const store = b.app.chimera.store;
      await b.app.chimera.specs.save(
        `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: web }
spec:
  stableVersion: stable
  platform: { kind: kubernetes, kubeconfig: "${kubeconfigPath}", namespace: ${ns} }
  router: { kind: gateway-api, kubeconfig: "${kubeconfigPath}", namespace: ${ns} }
  metrics: { kind: prometheus, address: "${prom.address}" }
  strategy: { steps: [10, 50], interval: 10m, minRequests: 5, stepDeadline: 20m, deployTimeout: 30s }
  analysis: { interval: 1s }
`,
        'test',
      );
      // The CLI's watcher picks the spec up from the shared store (it re-reads the registry every 5 s).
      await eventually(
        () => store.getValue(`kubernetes-watch:${ns}/web`),
        (v) => v !== undefined,
        30_000,
      );
      await client.patch(
        resourcePath(DEPLOYMENTS, ns, 'web'),
        { spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:2.0.0' }] } } } },
        'strategic',
        signal(),
      );
      const inFlight = (await eventually(
        async () => (await store.list({ service: 'web', limit: 1 }))[0],
        (r) => r?.phase === 'progressing' || r?.phase === 'paused',
        45_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\nCLI output:\n${output}`);
      })) as RolloutState;
      expect(inFlight.toVersion).toMatch(/^2\.0\.0-/);
      expect(b.controller.isLeader()).toBe(false);
      expect(b.controller.isDriving(inFlight.id)).toBe(false);

      const killedAt = Date.now();
      child.kill('SIGKILL');
      await eventually(
        () => Promise.resolve(b!.controller.isDriving(inFlight.id)),
        (d) => d,
        LEASE_MS + 15_000,
      );
      // The Lease is taken over once unchanged for its duration, counted from when b last saw it change.
      expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 5_000);
      expect((await lease())?.spec.holderIdentity).toBe('replica-b');
      // The driver records that it took the rollout over as its first write.
      await eventually(
        () => store.events(inFlight.id, 0),
        (events) => events.some((e) => e.type === 'controller-resumed'),
        10_000,
      );
      expect((await store.get(inFlight.id))?.phase).not.toMatch(/succeeded|rolled_back|failed/);
    }, 180_000);
  },
);
