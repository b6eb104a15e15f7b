// A controller process for the lease race test: opens the store, says "ready", waits for "go", tries to take the
// lease of one rollout, prints the outcome, and stays alive (holding it) until told "exit".
import { createInterface } from 'node:readline';
import { OWNER_ID, RolloutLease } from '../../src/controller/lease.js';
import { silentLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';

const [dataDir, rolloutId, databaseUrl] = process.argv.slice(2);
const store = await openStore(dataDir!, silentLogger, databaseUrl ? { databaseUrl } : {});
const lease = new RolloutLease(store, rolloutId!, 600_000);
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) {
  if (line === 'go') {
    const result = await lease.acquire(Date.now());
    process.stdout.write(`${JSON.stringify({ owner: OWNER_ID, ok: result.ok })}\n`);
  } else if (line === 'release') {
    await lease.release();
    process.stdout.write('released\n');
  } else if (line === 'exit') {
    break;
  }
}
lines.close();
await store.close();
// stdin stays open while the parent runs; end explicitly.
process.exit(0);
