import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { makeLogEntry, makeRolloutState } from '../ports/store.conformance.js';
import type { StoredEvent } from '../ports/store.js';
import { createStore } from './sqlite/index.js';
import { MIGRATIONS } from './sqlite/migrations.js';

const child = fileURLToPath(new URL('../testing/sqlite-child.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function run(mode: 'read' | 'write', dataDir: string, id: string) {
  return spawn(process.execPath, ['--import', tsx, child, mode, dataDir, id], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('SQLite store across processes', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chimera-sqlite-proc-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows another process what this one committed', async () => {
    const store = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });
    await store.create(makeRolloutState('r1', { phase: 'progressing' }), [makeLogEntry('a'), makeLogEntry('b')]);
    const reader = run('read', dataDir, 'r1');
    let out = '';
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => reader.on('exit', resolve));
    await store.close();
    expect(code).toBe(0);
    const seen = JSON.parse(out) as { state: { phase: string }; events: StoredEvent[] };
    expect(seen.state.phase).toBe('progressing');
    expect(seen.events.map((e) => e.type)).toEqual(['a', 'b']);
  });

  it('loses no committed event when the writer is killed with SIGKILL', async () => {
    const writer = run('write', dataDir, 'r1');
    let committed = 0;
    let buffered = '';
    let stderr = '';
    writer.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => writer.on('exit', (_c, s) => resolve(s)));
    await new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) committed = Number(line.split(' ')[1]);
        // Kill in the middle of a stream of commits, not at a quiet moment.
        if (committed >= 150) resolve();
      });
      writer.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    writer.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const store = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });
    const events = await store.events('r1');
    const revision = (await store.get('r1'))!.revision;
    await store.close();
    // Every commit the writer reported is there; at most the one in flight was committed but not yet reported.
    expect(revision).toBeGreaterThanOrEqual(committed);
    expect(events.length).toBe(revision);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: revision }, (_, i) => i + 1));
  });
});

describe('SQLite schema', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chimera-sqlite-schema-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses WAL, records each migration once, and reopens without reapplying', async () => {
    const first = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });
    const second = await createStore({ kind: 'sqlite', path: 'chimera.db' }, { dataDir, log: silentLogger });
    await first.close();
    await second.close();
    const db = new Database(path.join(dataDir, 'chimera.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    db.close();
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('refuses a database from a newer Chimera and keeps it untouched', async () => {
    const store = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });
    await store.close();
    const file = path.join(dataDir, 'chimera.db');
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    db.close();
    await expect(createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger })).rejects.toThrow(/newer/);
  });

  it('keeps the event log append-only even for direct SQL', async () => {
    const store = await createStore({ kind: 'sqlite' }, { dataDir, log: silentLogger });
    await store.create(makeRolloutState('r1'), [makeLogEntry('created')]);
    await store.close();
    const db = new Database(path.join(dataDir, 'chimera.db'));
    expect(() => db.prepare("UPDATE events SET reason = 'rewritten'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    db.close();
  });

  it('reports an unusable path as a ProviderError naming the file', async () => {
    // A regular file where a folder should be.
    writeFileSync(path.join(dataDir, 'plain-file'), '');
    const bad = path.join(dataDir, 'plain-file', 'x.db');
    const err = await createStore({ kind: 'sqlite', path: bad }, { dataDir, log: silentLogger }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'PROVIDER_FAILED' });
    expect(String(err)).toContain(bad);
  });
});
