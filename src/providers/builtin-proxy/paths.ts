import { join } from 'node:path';

/** Files of one service's proxy under the data folder: `<dataDir>/proxy/<service>/`. */
export interface ProxyPaths {
  dir: string;
  /** Admin bearer token (mode 0600), when no `tokenEnv` is configured. */
  token: string;
  /** Persisted routes and weight. */
  state: string;
  pid: string;
  log: string;
}

export function proxyPaths(dataDir: string, service: string): ProxyPaths {
  const dir = join(dataDir, 'proxy', service);
  return {
    dir,
    token: join(dir, 'token'),
    state: join(dir, 'routes.json'),
    pid: join(dir, 'proxy.pid'),
    log: join(dir, 'proxy.log'),
  };
}
