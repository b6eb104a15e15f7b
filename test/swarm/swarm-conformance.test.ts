import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/logger.js';
import { describePlatformConformance } from '../../src/ports/platform.conformance.js';
import { swarmPlatformConfig } from '../../src/providers/swarm/config.js';
import { createPlatform } from '../../src/providers/swarm/index.js';
import { buildSampleImage, cleanupService, dockerIfAvailable } from '../docker/sample-images.js';
import { freePort } from '../haproxy/haproxy-process.js';
import { requireBackend, skippedSuite } from '../prometheus/prometheus-process.js';

const docker = await dockerIfAvailable();
const swarmActive = docker ? (await docker.info()).Swarm?.LocalNodeState === 'active' : false;

if (requireBackend('Docker Swarm (initialised on 127.0.0.1)', swarmActive, 'scripts/test-env/docker.sh')) {
  describePlatformConformance('swarm', async () => {
    const service = `swc${randomBytes(3).toString('hex')}`;
    const image = `chimera-sample-${service}`;
    await buildSampleImage(`${image}:v1`, { VERSION: 'v1' });
    await buildSampleImage(`${image}:v2`, { VERSION: 'v2' });
    const from = await freePort();
    const config = swarmPlatformConfig.parse({
      kind: 'swarm',
      image: `${image}:{{version}}`,
      healthCheck: { path: '/healthz' },
      ports: { from, to: from + 50 },
    });
    const ctx = { service, dataDir: '/tmp', log: silentLogger };
    return {
      platform: await createPlatform(config, ctx),
      service,
      good: 'v1',
      other: 'v2',
      broken: 'v404',
      reopen: () => createPlatform(config, ctx),
      timeoutMs: 90_000,
      async cleanup() {
        await cleanupService(docker!, service);
        for (const tag of ['v1', 'v2'])
          await docker!
            .getImage(`${image}:${tag}`)
            .remove({ force: true })
            .catch(() => undefined);
      },
    };
  });
} else {
  skippedSuite('swarm platform conformance', 'scripts/test-env/docker.sh');
}
