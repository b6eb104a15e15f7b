/**
 * SQLite store benchmark: `save` (state + one event, one transaction, synchronous=FULL) per second, and reading
 * a rollout's whole event log. `npx tsx bench/store/run.ts [--saves 2000]`. Prints a table and JSON.
 *
 * Method: one rollout saved revision after revision, as the controller does (it never saves faster than its
 * decisions); the file lives in the system temp folder, so the figure depends on that disk's fsync time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/logger.js';
import { makeLogEntry, makeRolloutState } from '../../src/ports/store.conformance.js';
import { createStore } from '../../src/store/sqlite/index.js';

const args = process.argv.slice(2);
const i = args.indexOf('--saves');
const SAVES = i >= 0 ? Number(args[i + 1]) : 2000;

const dataDir = mkdtempSync(join(tmpdir(), 'chimera-bench-store-'));
try {
  const store = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });
  await store.create(makeRolloutState('r'), [makeLogEntry('created')]);
  const t0 = performance.now();
  for (let rev = 2; rev <= SAVES + 1; rev++) {
    await store.save(makeRolloutState('r', { revision: rev }), [makeLogEntry('analysis', rev, { n: rev })]);
  }
  const saveMs = performance.now() - t0;
  const t1 = performance.now();
  const events = await store.events('r');
  const readMs = performance.now() - t1;
  await store.close();
  const result = {
    bench: 'sqlite-store',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg1: loadavg()[0] },
    saves: SAVES,
    savesPerSecond: Math.round(SAVES / (saveMs / 1000)),
    saveMeanMs: saveMs / SAVES,
    eventsRead: events.length,
    readAllEventsMs: readMs,
  };
  console.table({
    'saves per second': result.savesPerSecond,
    'mean save (ms)': Number(result.saveMeanMs.toFixed(3)),
    [`read ${events.length} events (ms)`]: Number(readMs.toFixed(1)),
  });
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
