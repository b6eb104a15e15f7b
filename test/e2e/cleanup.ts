import { rm } from 'node:fs/promises';
import { silentLogger } from '../../src/logger.js';
import { stopProxy } from '../../src/providers/builtin-proxy/index.js';
import { createPlatform } from '../../src/providers/registry.js';
import { loadSpecFile } from '../../src/spec/load.js';
import type { Workspace } from './helpers.js';

/** Stops every instance and the proxy a workspace's rollouts started, then deletes the folder. */
export async function cleanWorkspace(ws: Workspace): Promise<void> {
  const [loaded] = await loadSpecFile(ws.spec);
  const service = loaded!.spec.metadata.name;
  const platform = await createPlatform(loaded!.spec.spec.platform, {
    service,
    dataDir: ws.dataDir,
    log: silentLogger,
  });
  const signal = AbortSignal.timeout(30_000);
  for (const v of await platform.list(service, signal)) await platform.remove(v, signal);
  await platform.close();
  await stopProxy({ dataDir: ws.dataDir, service });
  await rm(ws.dir, { recursive: true, force: true });
}
