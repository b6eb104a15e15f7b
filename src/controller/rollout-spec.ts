import type { Store } from '../ports/store.js';
import type { LoadedSpec } from '../spec/load.js';

/**
 * The spec a rollout was started with, kept in the store beside it: a restarted controller resumes with the same
 * providers and plan even if the file changed since, and the server shows the rollout's gates from it. One key
 * layout, written and read only here.
 */
const key = (rolloutId: string): string => `spec:${rolloutId}`;

export async function saveRolloutSpec(store: Store, rolloutId: string, loaded: LoadedSpec): Promise<void> {
  await store.setValue(key(rolloutId), JSON.stringify(loaded));
}

/** The saved spec, or undefined when none was saved or it cannot be read. */
export async function readRolloutSpec(store: Store, rolloutId: string): Promise<LoadedSpec | undefined> {
  const raw = await store.getValue(key(rolloutId));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as LoadedSpec;
  } catch {
    return undefined;
  }
}
