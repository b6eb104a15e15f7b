import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LeaseRecord } from '../../src/controller/lease.js';
import { silentLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { createTestDatabase, pgAvailable, pgTestEnv } from './postgres-env.js';

const childScript = fileURLToPath(new URL('./lease-child.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const env = pgTestEnv();
const postgres = await pgAvailable(env);

/** One controller process, driven line by line. */
class Contender {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  constructor(dataDir: string, rolloutId: string, databaseUrl?: string) {
    const args = ['--import', tsx, childScript, dataDir, rolloutId, ...(databaseUrl ? [databaseUrl] : [])];
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`lease child ended early: ${this.stderr}`);
    return r.value;
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.send('exit');
    await done;
  }
}

/** Starts contenders, lets them race for one lease at the same instant, and checks exactly one holds it. */
async function race(count: number, dataDir: string, databaseUrl?: string): Promise<void> {
  const contenders = Array.from({ length: count }, () => new Contender(dataDir, 'r1', databaseUrl));
  try {
    for (const c of contenders) expect(await c.next()).toBe('ready');
    for (const c of contenders) c.send('go');
    const results = await Promise.all(
      contenders.map(async (c) => JSON.parse(await c.next()) as { owner: string; ok: boolean }),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const store = await openStore(dataDir, silentLogger, databaseUrl ? { databaseUrl } : {});
    try {
      const held = JSON.parse((await store.getValue('lease:r1'))!) as LeaseRecord;
      expect(held.owner).toBe(winners[0]!.owner);
      // The holder gives it up; the next contender to try then gets it.
      const winner = contenders[results.indexOf(winners[0]!)]!;
      winner.send('release');
      expect(await winner.next()).toBe('released');
      expect(await store.getValue('lease:r1')).toBeUndefined();
      const other = contenders.find((c) => c !== winner)!;
      other.send('go');
      expect(JSON.parse(await other.next())).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  } finally {
    await Promise.all(contenders.map((c) => c.exit()));
  }
}

describe('rollout lease across controller processes', () => {
  it('goes to exactly one of several processes sharing a SQLite file', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chimera-lease-'));
    try {
      await race(4, dataDir);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it.skipIf(!postgres)(
    'goes to exactly one of several replicas sharing a Postgres database',
    async () => {
      const db = await createTestDatabase(env.url!);
      try {
        await race(4, '/nonexistent', db.url);
      } finally {
        await db.drop();
      }
    },
    120_000,
  );
});
