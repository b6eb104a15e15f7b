import { resolve } from 'node:path';
import { Controller } from '../controller/controller.js';
import { createLogger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { openStore } from '../store/index.js';

/** Where state lives when no server is given: `--data-dir`, else CHIMERA_DATA_DIR, else `.chimera/`. */
export function dataDirOf(option?: string): string {
  return resolve(option ?? process.env.CHIMERA_DATA_DIR ?? '.chimera');
}

export interface LocalContext {
  dataDir: string;
  store: Store;
  controller: Controller;
  close(): Promise<void>;
}

/** The embedded controller: this process drives rollouts against the local store. */
export async function openLocal(dataDirOption?: string): Promise<LocalContext> {
  const dataDir = dataDirOf(dataDirOption);
  const log = createLogger();
  const store = await openStore(dataDir, log);
  const controller = new Controller({ store, dataDir, log });
  return {
    dataDir,
    store,
    controller,
    async close() {
      await controller.close();
      await store.close();
    },
  };
}

/** Who gave a command, for the event log. */
export function cliActor(): string {
  return `cli:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;
}
