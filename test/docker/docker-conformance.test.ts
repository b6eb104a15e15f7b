import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/logger.js';
import { describePlatformConformance } from '../../src/ports/platform.conformance.js';
import { dockerPlatformConfig } from '../../src/providers/docker/config.js';
import { createPlatform } from '../../src/providers/docker/index.js';
import { buildSampleImage, cleanupService, dockerIfAvailable } from '../docker/sample-images.js';
import { freePort } from '../haproxy/haproxy-process.js';
import { requireBackend, skippedSuite } from '../prometheus/prometheus-process.js';

const docker = await dockerIfAvailable();

if (requireBackend('Docker engine with the local base image', docker, 'scripts/test-env/docker.sh')) {
  describePlatformConformance('docker', async () => {
    const service = `dkc${randomBytes(3).toString('hex')}`;
    const image = `chimera-sample-${service}`;
    await buildSampleImage(`${image}:v1`, { VERSION: 'v1' });
    await buildSampleImage(`${image}:v2`, { VERSION: 'v2' });
    const from = await freePort();
    const config = dockerPlatformConfig.parse({
      kind: 'docker',
      pull: 'never',
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
  skippedSuite('docker platform conformance', 'scripts/test-env/docker.sh');
}
