import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth/tokens.js';
import { ConfigError, ConflictError, ProviderError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { describeStoreConformance, makeLogEntry, makeRolloutState } from '../../src/ports/store.conformance.js';
import type { Store } from '../../src/ports/store.js';
import { openStore } from '../../src/store/index.js';
import { createStore } from '../../src/store/postgres/index.js';
import { admin, createTestDatabase, pgAvailable, pgTestEnv } from './postgres-env.js';

const env = pgTestEnv();
const available = await pgAvailable(env);
const adminUrl = env.url!;

/** Opens handles on one database and closes them all at the end. */
function handles(url: string) {
  const open: Store[] = [];
  return {
    open: async (poolSize?: number) => {
      const s = await createStore(
        { kind: 'postgres', url, ...(poolSize ? { poolSize } : {}) },
        { dataDir: '/nonexistent', log: silentLogger },
      );
      open.push(s);
      return s;
    },
    closeAll: async () => {
      for (const s of open.splice(0)) await s.close();
    },
  };
}

describe.skipIf(!available)('Postgres store', () => {
  describeStoreConformance('postgres', async () => {
    const db = await createTestDatabase(adminUrl);
    const h = handles(db.url);
    return {
      store: await h.open(),
      open: () => h.open(),
      cleanup: async () => {
        await h.closeAll();
        await db.drop();
      },
    };
  });

  describe('two stores on the same database', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let h: ReturnType<typeof handles>;
    let a: Store;
    let b: Store;
    beforeAll(async () => {
      db = await createTestDatabase(adminUrl);
      h = handles(db.url);
      [a, b] = await Promise.all([h.open(), h.open()]);
    });
    afterAll(async () => {
      await h?.closeAll();
      await db?.drop();
    });

    it('migrated the schema once although both opened at the same time', async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      await client.end();
      expect(rows.map((r) => r.version)).toEqual([1]);
    });

    it('lets one of many writers of each revision win, round after round, and numbers events without gaps', async () => {
      await a.create(makeRolloutState('shared'), [makeLogEntry('created')]);
      for (let rev = 2; rev <= 6; rev++) {
        const writers = [a, b, a, b, a, b].map((s, i) =>
          s.save(makeRolloutState('shared', { revision: rev, reason: `w${i}` }), [makeLogEntry(`rev${rev}-w${i}`)]),
        );
        const results = await Promise.allSettled(writers);
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
        }
      }
      const events = await b.events('shared');
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      const state = await a.get('shared');
      expect(state?.revision).toBe(6);
      expect(events.at(-1)?.type).toBe(`rev6-${state!.reason}`);
    });

    it('lets exactly one compare-and-set contender win across stores, every round', async () => {
      let value: string | undefined;
      for (let round = 0; round < 10; round++) {
        const results = await Promise.all(
          [a, b, a, b].map((s, i) => s.compareAndSet('race', value, `round${round}-c${i}`)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        value = await b.getValue('race');
        expect(value).toBe(`round${round}-c${results.indexOf(true)}`);
      }
    });

    it('refuses a duplicate create from the other store', async () => {
      const results = await Promise.allSettled([
        a.create(makeRolloutState('dup', { reason: 'a' }), [makeLogEntry('a')]),
        b.create(makeRolloutState('dup', { reason: 'b' }), [makeLogEntry('b')]),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(ConflictError);
      expect(await a.events('dup')).toHaveLength(1);
    });

    it('keeps every token created at once through two replicas in the token index', async () => {
      const services = [new TokenService(a), new TokenService(b)];
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) => services[i % 2]!.create('viewer', `t${i}`)),
      );
      const listed = await services[0]!.list();
      expect(listed.map((t) => t.id).sort()).toEqual(created.map((t) => t.id).sort());
      await Promise.all(created.slice(0, 6).map((t, i) => services[i % 2]!.revoke(t.id)));
      expect((await services[1]!.list()).map((t) => t.id).sort()).toEqual(
        created
          .slice(6)
          .map((t) => t.id)
          .sort(),
      );
      expect(await services[0]!.verify(created[0]!.token)).toBeUndefined();
      expect((await services[1]!.verify(created[7]!.token))?.name).toBe('t7');
    });

    it('keeps the event log append-only even for a direct SQL writer', async () => {
      await a.create(makeRolloutState('evidence'), [makeLogEntry('created')]);
      await expect(admin(db.url, `UPDATE events SET reason = 'edited' WHERE rollout_id = 'evidence'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(admin(db.url, `DELETE FROM events WHERE rollout_id = 'evidence'`)).rejects.toThrow(/append-only/);
      expect((await b.events('evidence'))[0]?.reason).toBe('created happened');
    });
  });

  describe('opening', () => {
    it('openStore picks Postgres for a URL and SQLite without one', async () => {
      const db = await createTestDatabase(adminUrl);
      const store = await openStore('/nonexistent', silentLogger, { databaseUrl: db.url });
      try {
        expect(store.kind).toBe('postgres');
        await store.setValue('k', 'v');
        expect(await store.getValue('k')).toBe('v');
      } finally {
        await store.close();
        await db.drop();
      }
      const dataDir = mkdtempSync(path.join(tmpdir(), 'chimera-open-'));
      const local = await openStore(dataDir, silentLogger, { databaseUrl: '  ' });
      expect(local.kind).toBe('sqlite');
      await local.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('refuses a schema newer than it knows, changing nothing', async () => {
      const db = await createTestDatabase(adminUrl);
      const h = handles(db.url);
      try {
        await (await h.open()).close();
        await admin(db.url, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)`);
        await expect(h.open()).rejects.toSatisfy(
          (e: unknown) => e instanceof ProviderError && /schema version 99 is newer/.test(e.message),
        );
      } finally {
        await h.closeAll();
        await db.drop();
      }
    });

    it('names a wrong password as a configuration problem without printing it', async () => {
      const u = new URL(adminUrl);
      u.password = 'not-the-Secret-xyz';
      const err = await openStore('/nonexistent', silentLogger, { databaseUrl: u.href }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(`${u.hostname}:${u.port}`);
      expect((err as Error).message).not.toContain('not-the-Secret-xyz');
    });

    it('names a URL without the password the server asks for as a configuration problem', async () => {
      const u = new URL(adminUrl);
      u.password = '';
      const err = await openStore('/nonexistent', silentLogger, { databaseUrl: u.href }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/has none/);
    });

    it('names a missing database as a configuration problem', async () => {
      const u = new URL(adminUrl);
      u.pathname = '/chimera_does_not_exist';
      const err = await openStore('/nonexistent', silentLogger, { databaseUrl: u.href }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/chimera_does_not_exist.*does not exist/);
    });
  });
});
