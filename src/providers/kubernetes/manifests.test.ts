import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../kubernetes/types.js';
import { readiness, telemetryVersion, versionDeployment } from './manifests.js';

const template: Deployment = {
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    paused: true,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'side', image: 'envoy:1' },
          { name: 'web', image: 'acme/web:1' },
        ],
      },
    },
  },
};

describe('versionDeployment', () => {
  it('sets the image of the named container, its own selector and replicas, and drops paused', () => {
    const d = versionDeployment(template, {
      service: 'web',
      version: 'v2',
      role: 'canary',
      name: 'web-v2',
      namespace: 'ns',
      replicas: 3,
      image: 'acme/web:{version}',
      container: 'web',
    });
    expect(d.spec.template.spec.containers.map((c) => c.image)).toEqual(['envoy:1', 'acme/web:v2']);
    expect(d.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/managed-by': 'chimera',
      'chimera.dev/service': 'web',
      'chimera.dev/version': 'v2',
    });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.paused).toBeUndefined();
    expect(template.spec.template.spec.containers[1]!.image).toBe('acme/web:1'); // the template is not mutated
  });
});

describe('readiness', () => {
  const dep = (status: Deployment['status'], generation = 1): Deployment => ({
    ...template,
    metadata: { ...template.metadata, generation },
    status,
  });
  it('counts only updated, available replicas once the controller observed the spec', () => {
    expect(readiness(dep({ observedGeneration: 1, availableReplicas: 2, updatedReplicas: 2 }))).toEqual({
      desired: 2,
      ready: 2,
    });
    expect(readiness(dep({ observedGeneration: 0, availableReplicas: 2, updatedReplicas: 2 })).ready).toBe(0);
    expect(readiness(dep({ observedGeneration: 1, availableReplicas: 2, updatedReplicas: 1 })).ready).toBe(1);
  });
  it('reports a stuck rollout as failed with the condition', () => {
    const r = readiness(
      dep({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }),
    );
    expect(r).toMatchObject({ failed: true, ready: 0 });
    expect(r.message).toContain('ProgressDeadlineExceeded');
  });
});

describe('telemetryVersion', () => {
  it('keeps the version name for Istio telemetry whenever it is a valid label value', () => {
    expect(telemetryVersion('1.4.0')).toBe('1.4.0');
    expect(telemetryVersion('v2_rc')).toBe('v2_rc');
    expect(telemetryVersion('-odd-')).toMatch(/^odd-[0-9a-f]{6}$/);
  });
});
