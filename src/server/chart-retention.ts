import type { Store } from '../ports/store.js';
import { updateValue } from '../store/update-value.js';
import { CHARTS_KEPT, parseJson } from './chart-layout.js';

/** Ids of the rollouts with a stored chart, oldest first (`charts:`, so no rollout's `chart:<id>` head can be it). */
const INDEX_KEY = 'charts:index';

/**
 * Records that `rolloutId` now has a stored chart and returns the rollouts whose charts fall out of the newest
 * `keep`, for the caller to delete. Compare-and-set, so replicas starting charts at once lose none.
 */
export async function registerChart(store: Store, rolloutId: string, keep = CHARTS_KEPT): Promise<string[]> {
  let evicted: string[] = [];
  await updateValue(
    store,
    INDEX_KEY,
    (raw) => {
      const ids = parseIndex(raw).filter((id) => id !== rolloutId);
      ids.push(rolloutId);
      evicted = ids.slice(0, Math.max(0, ids.length - keep));
      return JSON.stringify(ids.slice(evicted.length));
    },
    'the chart index',
  );
  return evicted;
}

// A damaged index starts again: the charts it named stay (they are only a view; nothing else reads them).
function parseIndex(raw: string | undefined): string[] {
  const ids = raw === undefined ? [] : parseJson(raw);
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}
