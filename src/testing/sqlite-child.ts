// A second process for the SQLite store tests, run with `node --import tsx`:
//   read  <dataDir> <id>  prints {"state":…, "events":…} for the rollout and exits
//   write <dataDir> <id>  creates the rollout, then saves revision after revision, printing "committed <seq>"
//                         once each save has returned (so the parent knows what must survive a SIGKILL)
import { silentLogger } from '../logger.js';
import { makeLogEntry, makeRolloutState } from '../ports/store.conformance.js';
import { createStore } from '../store/sqlite/index.js';

const [mode, dataDir, id] = process.argv.slice(2);
if (!mode || !dataDir || !id) throw new Error('usage: sqlite-child read|write <dataDir> <id>');
const store = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });

if (mode === 'read') {
  process.stdout.write(JSON.stringify({ state: await store.get(id), events: await store.events(id) }) + '\n');
  await store.close();
} else {
  await store.create(makeRolloutState(id), [makeLogEntry('created')]);
  process.stdout.write('committed 1\n');
  for (let revision = 2; ; revision++) {
    await store.save(makeRolloutState(id, { revision }), [makeLogEntry(`rev-${revision}`)]);
    process.stdout.write(`committed ${revision}\n`);
  }
}
