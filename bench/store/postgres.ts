/**
 * Postgres store benchmark, the counterpart of `run.ts`: `save` (state + one event, one transaction) per second,
 * reading a rollout's whole event log, and compare-and-set throughput with two replicas contending for one key.
 * `npx tsx bench/store/postgres.ts [--saves 2000] [--url postgres://...]`. Prints a table and JSON.
 *
 * Method: the URL is --url, else CHIMERA_PG_URL from `scripts/test-env/postgres.sh`; a throwaway database is
 * created on that server and dropped afterwards. Saves are sequential on one rollout, as the controller makes them;
 * each commit waits for the WAL flush (the server's defaults), so the figure depends on that disk's fsync time.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { silentLogger } from '../../src/logger.js';
import { makeLogEntry, makeRolloutState } from '../../src/ports/store.conformance.js';
import { createStore } from '../../src/store/postgres/index.js';
import { pgTestEnv } from '../../test/store/postgres-env.js';

const args = process.argv.slice(2);
const flag = (name: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const SAVES = Number(flag('--saves') ?? 2000);
const CAS_ROUNDS = 1000;
const adminUrl = flag('--url') ?? pgTestEnv().url;
if (!adminUrl) throw new Error('no Postgres: pass --url or run scripts/test-env/postgres.sh');

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

const name = `chimera_bench_${randomBytes(4).toString('hex')}`;
await admin(`CREATE DATABASE ${name}`);
const u = new URL(adminUrl);
u.pathname = `/${name}`;
try {
  const ctx = { dataDir: '/nonexistent', log: silentLogger };
  const store = await createStore({ kind: 'postgres', url: u.href }, ctx);
  const other = await createStore({ kind: 'postgres', url: u.href }, ctx);
  await store.create(makeRolloutState('r'), [makeLogEntry('created')]);
  const t0 = performance.now();
  for (let rev = 2; rev <= SAVES + 1; rev++) {
    await store.save(makeRolloutState('r', { revision: rev }), [makeLogEntry('analysis', rev, { n: rev })]);
  }
  const saveMs = performance.now() - t0;
  const t1 = performance.now();
  const events = await store.events('r');
  const readMs = performance.now() - t1;

  // Two replicas renewing one lease-like key: each round both try from the same value; exactly one wins.
  let value: string | undefined;
  let wins = 0;
  const t2 = performance.now();
  for (let round = 0; round < CAS_ROUNDS; round++) {
    const r = await Promise.all([store, other].map((s, i) => s.compareAndSet('lease:r', value, `${round}-${i}`)));
    wins += r.filter(Boolean).length;
    value = `${round}-${r.indexOf(true)}`;
  }
  const casMs = performance.now() - t2;
  await store.close();
  await other.close();
  const result = {
    bench: 'postgres-store',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg1: loadavg()[0] },
    saves: SAVES,
    savesPerSecond: Math.round(SAVES / (saveMs / 1000)),
    saveMeanMs: saveMs / SAVES,
    eventsRead: events.length,
    readAllEventsMs: readMs,
    casRounds: CAS_ROUNDS,
    casRoundMeanMs: casMs / CAS_ROUNDS,
    casWinsPerRound: wins / CAS_ROUNDS,
  };
  console.table({
    'saves per second': result.savesPerSecond,
    'mean save (ms)': Number(result.saveMeanMs.toFixed(3)),
    [`read ${events.length} events (ms)`]: Number(readMs.toFixed(1)),
    'contended CAS round (ms)': Number(result.casRoundMeanMs.toFixed(3)),
    'CAS winners per round': result.casWinsPerRound,
  });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
