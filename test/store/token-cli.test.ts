import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/auth/tokens.js';
import { silentLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../e2e/helpers.js';
import { createTestDatabase, pgAvailable, pgTestEnv } from './postgres-env.js';

const env = pgTestEnv();
const enabled = await pgAvailable(env);

/** Replicas sharing Postgres keep their tokens there: `chimera token` manages them with the servers' URL. */
describe.skipIf(!enabled)('chimera token against the shared Postgres', () => {
  let db: { url: string; drop(): Promise<void> };
  let cwd: string;

  beforeAll(async () => {
    db = await createTestDatabase(env.url!);
    cwd = await mkdtemp(join(tmpdir(), 'chimera-token-cli-'));
  });
  afterAll(async () => {
    await db?.drop();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('creates a token in the database named by --database-url (or DATABASE_URL), not in a local folder', async () => {
    const made = await runCli(
      ['token', 'create', '--role', 'operator', '--name', 'ci', '--database-url', db.url, '--json'],
      {
        cwd,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const created = JSON.parse(made.stdout) as { id: string; token: string; role: string };
    expect(created.role).toBe('operator');

    const store = await openStore(join(cwd, 'unused'), silentLogger, { databaseUrl: db.url });
    try {
      const tokens = new TokenService(store);
      expect((await tokens.list()).map((t) => t.id)).toEqual([created.id]);
      expect((await tokens.verify(created.token))?.role).toBe('operator');
    } finally {
      await store.close();
    }

    const listed = await runCli(['token', 'list', '--json'], { cwd, env: { ...process.env, DATABASE_URL: db.url } });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((t) => t.id)).toEqual([created.id]);
    // Nothing went to the default SQLite folder.
    const local = await runCli(['token', 'list', '--json'], { cwd, env: { ...process.env, DATABASE_URL: '' } });
    expect(JSON.parse(local.stdout)).toEqual([]);
  });

  it('a malformed URL is a clear error that shows no password (exit 2)', async () => {
    const bad = await runCli(['token', 'list', '--database-url', 'postgres://chimera:s3cret@:nope/db'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('s3cret');
    expect(bad.stderr).toMatch(/database|URL|url/);
  });
});
