import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import type { KubeClient } from '../../src/kubernetes/client.js';
import { DEPLOYMENTS, HPAS, SERVICES, resourcePath } from '../../src/kubernetes/paths.js';
import type { Deployment, HorizontalPodAutoscaler, Service } from '../../src/kubernetes/types.js';
import { silentLogger } from '../../src/logger.js';
import { describePlatformConformance, eventually } from '../../src/ports/platform.conformance.js';
import type { Platform, VersionTarget } from '../../src/ports/platform.js';
import { kubernetesPlatformConfig } from '../../src/providers/kubernetes/config.js';
import { createPlatform } from '../../src/providers/kubernetes/index.js';
import {
  createNamespace,
  kubeAvailable,
  kubeconfigPath,
  signal,
  simulateControllers,
  templateDeployment,
  testClient,
} from './cluster.js';

async function setup(prefix: string, extra: Record<string, unknown> = {}) {
  const client = testClient();
  const namespace = await createNamespace(client, prefix);
  await client.create(resourcePath(DEPLOYMENTS, namespace), templateDeployment(namespace, 'web'), signal());
  const stop = new AbortController();
  const sim = simulateControllers(client, namespace, stop.signal);
  const config = kubernetesPlatformConfig.parse({
    kind: 'kubernetes',
    kubeconfig: kubeconfigPath,
    namespace,
    image: 'ghcr.io/acme/web:{version}',
    ...extra,
  });
  const open = () => createPlatform(config, { service: 'web', dataDir: '/nonexistent', log: silentLogger });
  return { client, namespace, platform: await open(), open, stop: async () => (stop.abort(), await sim) };
}

describe.skipIf(!kubeAvailable)('kubernetes platform against a real kube-apiserver', () => {
  describePlatformConformance('kubernetes', async () => {
    const env = await setup('conf');
    return {
      platform: env.platform,
      service: 'web',
      good: '2.0.0',
      other: '2.1.0',
      broken: 'broken-1',
      reopen: env.open,
      // Pods are not run here: a ready replica "answers" with the version its Deployment's image carries.
      answers: async (s) => {
        const d = await env.client.get<Deployment>(
          resourcePath(DEPLOYMENTS, env.namespace, s.refs.deployment),
          signal(),
        );
        const tag = d?.spec.template.spec.containers[0]?.image?.split(':').pop() ?? '';
        return Array.from({ length: s.ready }, () => tag);
      },
      timeoutMs: 30_000,
      cleanup: env.stop,
    };
  });

  describe('specifics', () => {
    let env: Awaited<ReturnType<typeof setup>>;
    let client: KubeClient;
    const t = (version: string, role: 'stable' | 'canary' = 'canary'): VersionTarget => ({
      service: 'web',
      version,
      role,
    });
    const ready = (p: Platform, v: string) =>
      eventually(
        () => p.status(t(v), signal()),
        (s) => s.ready > 0 && s.ready === s.desired,
        30_000,
      );

    beforeAll(async () => {
      env = await setup('plat');
      client = env.client;
    });
    afterAll(async () => {
      await env?.platform.close();
      await env?.stop();
    });

    it('given a template, when a version is deployed, then it runs beside it with its own selector, labels and Service', async () => {
      await env.platform.deploy(t('3.0.0'), signal());
      const s = await ready(env.platform, '3.0.0');
      expect(s.refs).toMatchObject({ namespace: env.namespace, port: '8080' });
      const dep = await client.get<Deployment>(resourcePath(DEPLOYMENTS, env.namespace, s.refs.deployment), signal());
      expect(dep?.spec.template.spec.containers[0]?.image).toBe('ghcr.io/acme/web:3.0.0');
      expect(dep?.spec.replicas).toBe(2); // the template's replicas
      expect(dep?.spec.template.metadata?.labels).toMatchObject({
        app: 'web',
        'chimera.dev/service': 'web',
        'chimera.dev/version': s.refs.versionLabel,
      });
      const svc = await client.get<Service>(resourcePath(SERVICES, env.namespace, s.refs.service), signal());
      expect(svc?.spec.selector).toEqual(dep?.spec.selector.matchLabels);
      expect(svc?.spec.ports[0]).toMatchObject({ port: 8080, targetPort: 8080 });
    });

    it('when a version is removed, then it is scaled to zero and its Service is gone; deploying again revives it', async () => {
      await env.platform.deploy(t('4.0.0'), signal());
      const s = await ready(env.platform, '4.0.0');
      await env.platform.remove(t('4.0.0'), signal());
      const dep = await client.get<Deployment>(resourcePath(DEPLOYMENTS, env.namespace, s.refs.deployment), signal());
      expect(dep?.spec.replicas).toBe(0);
      expect(await client.get(resourcePath(SERVICES, env.namespace, s.refs.service), signal())).toBeUndefined();
      await env.platform.deploy(t('4.0.0'), signal());
      expect((await ready(env.platform, '4.0.0')).ready).toBe(2);
    });

    it('given an HPA on the template, then each version gets its own HPA and starts at the scale the HPA wants', async () => {
      const hpa: HorizontalPodAutoscaler = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: env.namespace },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 3,
          maxReplicas: 9,
        },
      };
      await client.create(resourcePath(HPAS, env.namespace), hpa, signal());
      try {
        await env.platform.deploy(t('5.0.0'), signal());
        const s = await ready(env.platform, '5.0.0');
        expect(s.desired).toBe(3);
        const copy = await client.get<HorizontalPodAutoscaler>(
          resourcePath(HPAS, env.namespace, s.refs.deployment),
          signal(),
        );
        expect(copy?.spec).toMatchObject({
          minReplicas: 3,
          maxReplicas: 9,
          scaleTargetRef: { name: s.refs.deployment },
        });
        await env.platform.remove(t('5.0.0'), signal());
        expect(await client.get(resourcePath(HPAS, env.namespace, s.refs.deployment), signal())).toBeUndefined();
      } finally {
        await client.delete(resourcePath(HPAS, env.namespace, 'web'), signal());
      }
    });

    it('when a canary is promoted, then it is marked stable and the template is scaled to zero', async () => {
      await env.platform.deploy(t('6.0.0'), signal());
      await ready(env.platform, '6.0.0');
      await env.platform.promote(t('6.0.0'), t('5.0.0', 'stable'), signal());
      const template = await client.get<Deployment>(resourcePath(DEPLOYMENTS, env.namespace, 'web'), signal());
      expect(template?.spec.replicas).toBe(0);
      const listed = await env.platform.list('web', signal());
      expect(listed.find((v) => v.version === '6.0.0')?.role).toBe('stable');
    });

    it('given no template Deployment, then deploy fails with a non-retriable ProviderError naming it', async () => {
      const config = kubernetesPlatformConfig.parse({
        kind: 'kubernetes',
        kubeconfig: kubeconfigPath,
        namespace: env.namespace,
      });
      const p = await createPlatform(config, { service: 'nothing-here', dataDir: '/nonexistent', log: silentLogger });
      const err = await p.deploy(t('1'), signal()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).retriable).toBe(false);
      expect((err as Error).message).toContain('nothing-here');
    });
  });
});
