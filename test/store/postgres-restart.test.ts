import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ProviderError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { makeLogEntry, makeRolloutState } from '../../src/ports/store.conformance.js';
import { openStore } from '../../src/store/index.js';
import { freePort, pgAvailable, pgTestEnv, startPrivateCluster, type PrivateCluster } from './postgres-env.js';

const env = pgTestEnv();
const available = await pgAvailable(env);

/** Retries a call while it fails retriably, as the controller's effect runner would; generous deadline. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ProviderError && err.retriable) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe.skipIf(!available)('Postgres store across a server restart (private cluster)', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await startPrivateCluster(env);
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 120_000);

  it('keeps committed data, fails retriably while the server is down, and reconnects by itself', async () => {
    const store = await openStore('/nonexistent', silentLogger, { databaseUrl: cluster.url });
    try {
      await store.create(makeRolloutState('r1'), [makeLogEntry('created')]);
      await store.save(makeRolloutState('r1', { revision: 2, phase: 'progressing' }), [makeLogEntry('step')]);
      await store.setValue('lease:r1', 'holder');

      await cluster.stop();
      const down = await store.get('r1').catch((e: unknown) => e);
      expect(down).toBeInstanceOf(ProviderError);
      expect((down as ProviderError).retriable).toBe(true);
      expect((down as Error).message).toContain(`127.0.0.1:${cluster.port}`);
      expect((down as Error).message).not.toContain(cluster.password);

      await cluster.start();
      // The same handle recovers: the pool drops dead connections and opens new ones.
      const state = await eventually(() => store.get('r1'));
      expect(state?.phase).toBe('progressing');
      expect((await store.events('r1')).map((e) => [e.seq, e.type])).toEqual([
        [1, 'created'],
        [2, 'step'],
      ]);
      expect(await store.compareAndSet('lease:r1', 'holder', 'next')).toBe(true);
      await store.save(makeRolloutState('r1', { revision: 3 }), [makeLogEntry('after-restart')]);
    } finally {
      await store.close();
    }
    // A new process (a restarted replica) sees everything, migrations already applied.
    const again = await openStore('/nonexistent', silentLogger, { databaseUrl: cluster.url });
    try {
      expect((await again.get('r1'))?.revision).toBe(3);
      expect((await again.events('r1')).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(await again.getValue('lease:r1')).toBe('next');
    } finally {
      await again.close();
    }
  }, 180_000);
});

// These need no server: they run everywhere.
describe('Postgres store: connection problems', () => {
  it('reports a refused connection as retriable, naming host:port and never the password', async () => {
    const port = await freePort();
    const err = await openStore('/nonexistent', silentLogger, {
      databaseUrl: `postgres://chimera:Sup3r-s3cret@127.0.0.1:${port}/postgres`,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retriable).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('Sup3r-s3cret');
  });

  it('refuses a malformed URL before connecting, with the password masked', async () => {
    for (const url of [
      'not a url',
      'mysql://u:Sup3r-s3cret@127.0.0.1/db',
      'postgres://u:Sup3r-s3cret@127.0.0.1:99999/db',
    ]) {
      const err = await openStore('/nonexistent', silentLogger, { databaseUrl: url }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).not.toContain('Sup3r-s3cret');
    }
  });
});
