import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '../../src/kubernetes/client.js';
import { loadConnection } from '../../src/kubernetes/kubeconfig.js';
import { DEPLOYMENTS, resourcePath } from '../../src/kubernetes/paths.js';
import type { Deployment } from '../../src/kubernetes/types.js';
import { requireBackend } from '../prometheus/prometheus-process.js';

/** The kubeconfig `scripts/test-env/kubernetes.sh` writes (a real kube-apiserver + etcd on loopback). */
export const kubeconfigPath = process.env.CHIMERA_TEST_KUBECONFIG ?? '/var/cache/chimera-test/kube/kubeconfig';

/**
 * Whether the API server the kubeconfig names accepts connections. The kubeconfig outlives the server (a reboot
 * stops it), and a kubeconfig alone would make every suite fail on ECONNREFUSED instead of skipping.
 */
async function apiServerAnswers(): Promise<boolean> {
  if (!existsSync(kubeconfigPath)) return false;
  const { server } = loadConnection(kubeconfigPath);
  const port = Number(server.port || (server.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: server.hostname.replace(/^\[|\]$/g, ''), port, timeout: 2_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** True when the test API server is up; skips loudly otherwise, fails under CI=true. */
export const kubeAvailable = requireBackend(
  'kube-apiserver (answering where its kubeconfig says)',
  await apiServerAnswers(),
  'bash scripts/test-env/kubernetes.sh',
);

export function testClient(): KubeClient {
  return new KubeClient(loadConnection(kubeconfigPath));
}

export const signal = (): AbortSignal => AbortSignal.timeout(30_000);

/** A fresh namespace per suite (namespaces are never finalized without a controller-manager, so never reused). */
export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, signal());
  return name;
}

/** The user's Deployment a service's versions are copied from. */
export function templateDeployment(namespace: string, name: string, image = 'ghcr.io/acme/web:1.0.0'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

/**
 * Plays the Deployment controller and kubelets, which this test cluster does not run: every Deployment in the
 * namespace gets the status a healthy rollout reaches, except those whose image contains `broken`, which get
 * `ProgressDeadlineExceeded` as when the image cannot be pulled. Runs until `stop` aborts.
 */
export async function simulateControllers(client: KubeClient, namespace: string, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    try {
      const { items } = await client.list<Deployment>(resourcePath(DEPLOYMENTS, namespace), stop);
      for (const d of items) await settle(client, d, stop);
    } catch {
      if (stop.aborted) return;
    }
    await sleep(100);
  }
}

async function settle(client: KubeClient, d: Deployment, s: AbortSignal): Promise<void> {
  const replicas = d.spec.replicas ?? 1;
  const broken = d.spec.template.spec.containers.some((c) => c.image?.includes('broken'));
  const generation = d.metadata?.generation ?? 0;
  const st = d.status ?? {};
  if (st.observedGeneration === generation && st.replicas === replicas && (broken || st.availableReplicas === replicas))
    return;
  const status = broken
    ? {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: 0,
        availableReplicas: 0,
        unavailableReplicas: replicas,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet has timed out progressing (image ${d.spec.template.spec.containers[0]?.image} cannot be pulled)`,
          },
        ],
      }
    : {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
      };
  await client.patch(
    resourcePath(DEPLOYMENTS, d.metadata!.namespace!, d.metadata!.name, 'status'),
    { status },
    'merge',
    s,
  );
}
