import { request } from 'undici';
import { silentLogger } from '../../src/logger.js';
import type { VersionStatus } from '../../src/ports/platform.js';
import type { TrafficRouter } from '../../src/ports/traffic-router.js';
import { createRouter, stopProxy } from '../../src/providers/builtin-proxy/index.js';
import type { ProviderContext } from '../../src/providers/context.js';
import { freePort, startUpstream, tempDir, type Upstream } from './helpers.js';

export function versionStatus(u: Upstream, role: 'stable' | 'canary'): VersionStatus {
  return { service: 'web', version: u.version, role, desired: 1, ready: 1, endpoints: [u.endpoint], refs: {} };
}

/** Two upstream versions, a data folder and a router for a proxy process the router starts itself. */
export interface ProxyWorld {
  v1: Upstream;
  v2: Upstream;
  ctx: ProviderContext;
  listen: string;
  admin: string;
  router: TrafficRouter;
  /** Sends `n` requests through the proxy to `path`; returns the bodies. */
  send(n: number, path?: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function proxyWorld(service = 'web'): Promise<ProxyWorld> {
  const [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
  const tmp = await tempDir();
  const ctx: ProviderContext = { service, dataDir: tmp.dir, log: silentLogger };
  const listen = `127.0.0.1:${await freePort()}`;
  const admin = `127.0.0.1:${await freePort()}`;
  const router = await createRouter({ kind: 'builtin-proxy', listen, admin }, ctx);
  const world: ProxyWorld = {
    v1,
    v2,
    ctx,
    listen,
    admin,
    router,
    async send(n, path = '/') {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const res = await request(`http://${listen}${path}`);
        out.push(await res.body.text());
      }
      return out;
    },
    async cleanup() {
      try {
        await world.router.close(); // the test may have replaced the router (a restarted controller)
      } finally {
        await stopProxy({ dataDir: ctx.dataDir, service });
        await Promise.all([v1.close(), v2.close()]);
        await tmp.remove();
      }
    },
  };
  return world;
}
