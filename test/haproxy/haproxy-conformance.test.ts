import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/logger.js';
import type { VersionStatus } from '../../src/ports/platform.js';
import { describeRouterConformance } from '../../src/ports/traffic-router.conformance.js';
import { haproxyRouterConfig } from '../../src/providers/haproxy/config.js';
import { createRouter } from '../../src/providers/haproxy/index.js';
import { requireBackend, skippedSuite } from '../prometheus/prometheus-process.js';
import { haproxyBinary, startHaproxy } from './haproxy-process.js';
import { startUpstream } from './upstream.js';

const bin = haproxyBinary();

function status(version: string, role: 'stable' | 'canary', port: number): VersionStatus {
  return { service: 'web', version, role, desired: 1, ready: 1, endpoints: [{ host: '127.0.0.1', port }], refs: {} };
}

if (requireBackend('haproxy', bin, 'scripts/test-env/haproxy.sh')) {
  describeRouterConformance('haproxy', async () => {
    const v1 = await startUpstream('v1');
    const v2 = await startUpstream('v2');
    const haproxy = await startHaproxy(bin!, 'web', v1.port);
    const dataDir = await mkdtemp(join(tmpdir(), 'chimera-haproxy-conf-'));
    const router = await createRouter(haproxyRouterConfig.parse({ kind: 'haproxy', runtimeApi: haproxy.socket }), {
      service: 'web',
      dataDir,
      log: silentLogger,
    });
    return {
      router,
      stable: status('v1', 'stable', v1.port),
      canary: status('v2', 'canary', v2.port),
      async cleanup() {
        await router.close();
        await haproxy.stop();
        await v1.close();
        await v2.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });
} else {
  skippedSuite('haproxy router conformance', 'scripts/test-env/haproxy.sh');
}
