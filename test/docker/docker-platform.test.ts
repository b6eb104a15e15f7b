import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { silentLogger } from '../../src/logger.js';
import type { Platform, VersionStatus, VersionTarget } from '../../src/ports/platform.js';
import { dockerPlatformConfig } from '../../src/providers/docker/config.js';
import { createPlatform } from '../../src/providers/docker/index.js';
import { freePort } from '../haproxy/haproxy-process.js';
import { requireBackend, waitFor } from '../prometheus/prometheus-process.js';
import { buildSampleImage, cleanupService, dockerIfAvailable } from './sample-images.js';

const docker = await dockerIfAvailable();
const enabled = requireBackend('Docker engine with the local base image', docker, 'scripts/test-env/docker.sh');
const swarmActive = docker ? (await docker.info()).Swarm?.LocalNodeState === 'active' : false;
const signal = new AbortController().signal;
const service = `dk${randomBytes(3).toString('hex')}`;
const image = `chimera-sample-${service}`;

async function platform(fields: Record<string, unknown> = {}): Promise<Platform> {
  const from = await freePort();
  const config = dockerPlatformConfig.parse({
    kind: 'docker',
    image: `${image}:{{version}}`,
    pull: 'never',
    healthCheck: { path: '/healthz', timeout: '1s' },
    ports: { from, to: from + 50 },
    ...fields,
  });
  return createPlatform(config, { service, dataDir: '/tmp', log: silentLogger });
}

const target = (version: string, role: 'stable' | 'canary' = 'canary', replicas?: number): VersionTarget => ({
  service,
  version,
  role,
  ...(replicas !== undefined ? { replicas } : {}),
});

async function untilSettled(
  p: Platform,
  t: VersionTarget,
  done: (s: VersionStatus) => boolean,
): Promise<VersionStatus> {
  let s = await p.status(t, signal);
  await waitFor(
    `${t.version} to settle (last: ${s.message ?? `${s.ready}/${s.desired}`})`,
    async () => done((s = await p.status(t, signal))),
    60_000,
  );
  return s;
}

describe.skipIf(!enabled)('Docker platform against a real Docker engine', () => {
  let p: Platform;
  beforeAll(async () => {
    await buildSampleImage(`${image}:v1`, { VERSION: 'v1' });
    await buildSampleImage(`${image}:sick`, { VERSION: 'sick', FAIL_READINESS: '1' });
    await buildSampleImage(`${image}:crashy`, { VERSION: 'crashy', ERROR_RATE: 'lots' });
    p = await platform();
  });
  afterAll(async () => {
    if (!docker) return;
    await cleanupService(docker, service);
    for (const tag of ['v1', 'sick', 'crashy'])
      await docker
        .getImage(`${image}:${tag}`)
        .remove()
        .catch(() => undefined);
  });

  it('given an image, when a version is deployed, then it becomes ready on a loopback port and serves', async () => {
    const first = await p.deploy(target('v1', 'stable'), signal);
    expect(first.failed).toBeUndefined();
    const s = await untilSettled(p, target('v1', 'stable'), (x) => x.ready === 1);
    expect(s.endpoints).toHaveLength(1);
    expect(s.endpoints[0]!.host).toBe('127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${s.endpoints[0]!.port}/`);
    expect(await res.json()).toEqual({ version: 'v1' });
    const [c] = await (docker as Docker).listContainers({ filters: { label: [`chimera.service=${service}`] } });
    expect(c!.Labels).toMatchObject({ 'chimera.service': service, 'chimera.version': 'v1', 'chimera.role': 'stable' });
    expect(c!.HostConfig.NetworkMode).toBe('host');
  });

  it('deploying again adopts the running container instead of starting another', async () => {
    const before = (await p.status(target('v1', 'stable'), signal)).refs.containers;
    await p.deploy(target('v1', 'stable'), signal);
    expect((await p.status(target('v1', 'stable'), signal)).refs.containers).toBe(before);
  });

  it('a new controller finds the running versions by their labels', async () => {
    const again = await platform();
    const versions = await again.list(service, signal);
    expect(versions.map((v) => [v.version, v.role, v.ready])).toEqual([['v1', 'stable', 1]]);
  });

  it('scales to two replicas on two ports, and back to one', async () => {
    await p.deploy(target('v1', 'stable', 2), signal);
    const two = await untilSettled(p, target('v1', 'stable', 2), (x) => x.ready === 2);
    expect(new Set(two.endpoints.map((e) => e.port)).size).toBe(2);
    await p.deploy(target('v1', 'stable', 1), signal);
    const one = await p.status(target('v1', 'stable', 1), signal);
    expect(one.endpoints).toHaveLength(1);
  });

  it('an image that does not exist is a failed status with a clear message', async () => {
    const s = await p.deploy(target('v404'), signal);
    expect(s.failed).toBe(true);
    expect(s.message).toMatch(/image chimera-sample-\w+:v404 is not present locally/);
    expect((await p.status(target('v404'), signal)).failed).toBe(true);
  });

  it('a container that never becomes healthy is not ready, with the health check in the message', async () => {
    await p.deploy(target('sick'), signal);
    const s = await untilSettled(p, target('sick'), (x) => /answered 503/.test(x.message ?? ''));
    expect(s.ready).toBe(0);
    expect(s.failed).toBeUndefined();
    await p.remove(target('sick'), signal);
  });

  it('a container that keeps exiting is a failed crash loop', async () => {
    await p.deploy(target('crashy'), signal);
    const s = await untilSettled(p, target('crashy'), (x) => x.failed === true);
    expect(s.message).toMatch(/crash-looping: restarted \d+ times, last exit code 2/);
    await p.remove(target('crashy'), signal);
  });

  it('remove stops and deletes every container of the version, and is idempotent', async () => {
    await p.remove(target('v1'), signal);
    await p.remove(target('v1'), signal);
    expect(await p.list(service, signal)).toEqual([]);
    expect((await p.status(target('v1'), signal)).ready).toBe(0);
  });

  it.skipIf(!swarmActive)(
    'a Swarm task with the same Chimera labels is left to Swarm: not listed, not adopted, not removed',
    async () => {
      // The Swarm platform labels its services' containers as this platform labels its own. A task of a removed
      // Swarm service, still stopping, was once adopted here and waited on until the deploy timed out.
      const d = docker as Docker;
      const port = await freePort();
      const labels = {
        'chimera.service': service,
        'chimera.version': 'v1',
        'chimera.role': 'canary',
        'chimera.port': String(port),
        'chimera.replica': '0',
      };
      const swarmService = await d.createService({
        Name: `${service}-swarm-v1`,
        Labels: labels,
        TaskTemplate: {
          ContainerSpec: { Image: `${image}:v1`, Env: [`PORT=${port}`, 'HOST=127.0.0.1'], Labels: labels },
          Networks: [{ Target: 'host' }],
          RestartPolicy: { Condition: 'none' },
        },
        Mode: { Replicated: { Replicas: 1 } },
      } as Docker.CreateServiceOptions);
      try {
        await waitFor('the Swarm task container', async () => {
          const found = await d.listContainers({ all: true, filters: { label: [`chimera.service=${service}`] } });
          return found.length === 1;
        });
        expect(await p.list(service, signal)).toEqual([]);
        const deployed = await p.deploy(target('v1'), signal);
        expect(deployed.failed).toBeUndefined();
        const s = await untilSettled(p, target('v1'), (x) => x.ready === 1);
        expect(s.endpoints[0]!.port).not.toBe(port);
        await p.remove(target('v1'), signal);
        const left = await d.listContainers({ all: true, filters: { label: [`chimera.service=${service}`] } });
        expect(left.map((c) => c.Labels['com.docker.swarm.service.name'])).toEqual([`${service}-swarm-v1`]);
      } finally {
        await swarmService.remove().catch(() => undefined);
      }
    },
  );
});
