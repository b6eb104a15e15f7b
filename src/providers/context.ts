import type { Logger } from '../logger.js';

/** What every provider factory receives besides its own configuration. */
export interface ProviderContext {
  /** The service being rolled out (metadata.name of its canary spec). */
  service: string;
  /** Chimera's data folder (default `.chimera/`): state files, pid files, sockets. */
  dataDir: string;
  log: Logger;
}
