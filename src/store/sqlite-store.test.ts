import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../logger.js';
import { describeStoreConformance } from '../ports/store.conformance.js';
import type { Store } from '../ports/store.js';
import { createStore } from './sqlite/index.js';

describeStoreConformance('sqlite', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chimera-sqlite-'));
  const handles: Store[] = [];
  const open = async () => {
    const store = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });
    handles.push(store);
    return store;
  };
  return {
    store: await open(),
    open,
    cleanup: async () => {
      for (const h of handles) await h.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
