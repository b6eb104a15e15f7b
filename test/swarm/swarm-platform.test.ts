import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Platform, VersionStatus, VersionTarget } from '../../src/ports/platform.js';
import { createPlatform } from '../../src/providers/swarm/index.js';
import { swarmPlatformConfig } from '../../src/providers/swarm/config.js';
import { serviceName } from '../../src/providers/swarm/swarm-platform.js';
import { buildSampleImage, cleanupService, dockerIfAvailable } from '../docker/sample-images.js';
import { freePort } from '../haproxy/haproxy-process.js';
import { requireBackend, waitFor } from '../prometheus/prometheus-process.js';

const found = await dockerIfAvailable();
const swarmActive = found ? (await found.info()).Swarm?.LocalNodeState === 'active' : false;
const enabled = requireBackend('Docker Swarm (initialised on 127.0.0.1)', swarmActive, 'scripts/test-env/docker.sh');
const docker = found as Docker;
const signal = new AbortController().signal;
const service = `sw${randomBytes(3).toString('hex')}`;
const image = `chimera-sample-${service}`;

async function platform(): Promise<Platform> {
  const from = await freePort();
  const config = swarmPlatformConfig.parse({
    kind: 'swarm',
    image: `${image}:{{version}}`,
    healthCheck: { path: '/healthz', timeout: '1s' },
    ports: { from, to: from + 50 },
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
    `${t.version} (last: ${s.message ?? `${s.ready}/${s.desired}`})`,
    async () => done((s = await p.status(t, signal))),
    90_000,
  );
  return s;
}

describe.skipIf(!enabled)('Swarm platform against a real single-node Swarm', () => {
  let p: Platform;
  beforeAll(async () => {
    await buildSampleImage(`${image}:v1`, { VERSION: 'v1' });
    p = await platform();
  });
  afterAll(async () => {
    if (!enabled) return;
    await cleanupService(docker, service);
    await docker
      .getImage(`${image}:v1`)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('given a local image, when a version is deployed, then its task runs with host networking and serves', async () => {
    await p.deploy(target('v1', 'stable'), signal);
    const s = await untilSettled(p, target('v1', 'stable'), (x) => x.ready === 1);
    expect(s.refs.serviceNames).toBe(`${service}-v1-0`);
    const res = await fetch(`http://127.0.0.1:${s.endpoints[0]!.port}/`);
    expect(await res.json()).toEqual({ version: 'v1' });
    const containers = await docker.listContainers({ filters: { label: [`chimera.service=${service}`] } });
    expect(containers.map((c) => c.HostConfig.NetworkMode)).toEqual(['host']);
  });

  it('deploying again adopts the service; a new controller finds it by labels', async () => {
    const before = (await p.status(target('v1', 'stable'), signal)).refs.serviceIds;
    await p.deploy(target('v1', 'stable'), signal);
    expect((await p.status(target('v1', 'stable'), signal)).refs.serviceIds).toBe(before);
    const again = await platform();
    const versions = await again.list(service, signal);
    expect(versions.map((v) => [v.version, v.role, v.ready])).toEqual([['v1', 'stable', 1]]);
  });

  it('scales to two instances on two ports, and back to one', async () => {
    await p.deploy(target('v1', 'stable', 2), signal);
    const two = await untilSettled(p, target('v1', 'stable', 2), (x) => x.ready === 2);
    expect(new Set(two.endpoints.map((e) => e.port)).size).toBe(2);
    await p.deploy(target('v1', 'stable', 1), signal);
    const one = await p.status(target('v1', 'stable', 1), signal);
    expect(one.refs.serviceNames).toBe(`${service}-v1-0`);
  });

  it('an image that exists nowhere is a failed status with the reason', async () => {
    await p.deploy(target('v404'), signal);
    const s = await untilSettled(p, target('v404'), (x) => x.failed === true);
    expect(s.message).toMatch(/image chimera-sample-\w+:v404 cannot be used/);
    await p.remove(target('v404'), signal);
  });

  it('remove deletes the service and is idempotent', async () => {
    await p.remove(target('v1'), signal);
    await p.remove(target('v1'), signal);
    expect(await p.list(service, signal)).toEqual([]);
  });

  it('service names stay valid for long versions', () => {
    expect(serviceName('shop', 'v1', 2)).toBe('shop-v1-2');
    expect(serviceName('shop', '1.0')).toMatch(/^shop-1-0-0-[0-9a-f]{6}$/);
    expect(serviceName('shop', '1.0')).not.toBe(serviceName('shop', '1-0'));
    expect(serviceName('a'.repeat(40), 'b'.repeat(40))).toHaveLength(63);
  });
});
