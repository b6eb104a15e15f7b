import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { FolderWatcher, imageTag } from '../../src/triggers/folder-watcher.js';
import { shopSpec, until, world, type World } from './world.js';

describe('GitOps folder watcher', () => {
  let w: World | undefined;
  let dir: string | undefined;
  let watcher: FolderWatcher | undefined;
  afterEach(async () => {
    await watcher?.stop();
    await w?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A folder holding `files`, and a watcher on it that starts rollouts on the world's controller. */
  async function watchFolder(files: Record<string, string>): Promise<FolderWatcher> {
    dir = await mkdtemp(join(tmpdir(), 'chimera-gitops-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const controller = w!.controller;
    return new FolderWatcher({
      dir,
      log: silentLogger,
      // Scans are driven by hand in the tests, so no background scan races the assertions.
      pollMs: 3_600_000,
      start: (loaded, version) => controller.start(loaded, version, 'gitops'),
    });
  }

  it('starts a rollout for a spec, again when its version changes, never twice for the same version', async () => {
    w = await world();
    w.pump();
    watcher = await watchFolder({ 'README.yaml': 'not: a spec\n', 'chimera.yaml': shopSpec() });
    const first = await watcher.start();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ service: 'shop', version: 'v2', result: 'started' });
    const list = () => w!.store.list({ service: 'shop' });
    await until(async () => (await list())[0]?.phase === 'succeeded');
    // Rewritten with the same version: nothing new.
    await writeFile(join(dir!, 'chimera.yaml'), shopSpec() + '# touched\n');
    expect(await watcher.scan()).toEqual([expect.objectContaining({ result: 'skipped', detail: 'version unchanged' })]);
    // A new version in git: a new rollout from v2.
    await writeFile(join(dir!, 'chimera.yaml'), shopSpec().replace('version: v2', 'version: v3'));
    expect((await watcher.scan())[0]).toMatchObject({ version: 'v3', result: 'started' });
    await until(async () => (await list()).length === 2);
    await until(async () => (await list())[0]?.phase === 'succeeded');
    expect((await list())[0]).toMatchObject({ fromVersion: 'v2', toVersion: 'v3' });
    // A broken spec starts nothing and says why.
    await writeFile(join(dir!, 'chimera.yaml'), shopSpec().replace('version: v2', 'version: "bad version"'));
    const broken = await watcher.scan();
    expect(broken[0]).toMatchObject({ result: 'invalid' });
    expect(await list()).toHaveLength(2);
  });

  it('given another version in flight, when the folder asks for a newer one, then it waits and starts once that rollout ends', async () => {
    w = await world(); // no traffic yet: the v2 rollout holds its first step
    watcher = await watchFolder({ 'chimera.yaml': shopSpec() });
    expect((await watcher.start())[0]).toMatchObject({ version: 'v2', result: 'started' });
    const list = () => w!.store.list({ service: 'shop' });
    await until(async () => (await list())[0]?.phase === 'progressing');

    await writeFile(join(dir!, 'chimera.yaml'), shopSpec().replace('version: v2', 'version: v3'));
    const waiting = await watcher.scan();
    expect(waiting[0]).toMatchObject({ version: 'v3', result: 'waiting' });
    expect(waiting[0]!.detail).toMatch(/already has a rollout in flight \(v1 → v2/);
    // The file did not change again, yet it is read again: the wait is not forgotten.
    expect((await watcher.scan())[0]).toMatchObject({ version: 'v3', result: 'waiting' });
    expect(await list()).toHaveLength(1);

    w.pump();
    await until(async () => (await list())[0]?.phase === 'succeeded');
    expect((await watcher.scan())[0]).toMatchObject({ version: 'v3', result: 'started' });
    await until(async () => (await list()).length === 2 && (await list())[0]?.phase === 'succeeded');
    expect((await list())[0]).toMatchObject({ fromVersion: 'v2', toVersion: 'v3' });
    expect(await watcher.scan()).toEqual([]);
  });

  it('reads the version from an image tag', () => {
    expect(imageTag({ image: 'registry:5000/team/shop:v7' })).toBe('v7');
    expect(imageTag({ image: 'registry:5000/team/shop' })).toBeUndefined();
    expect(imageTag({ image: 'shop@sha256:abc' })).toBeUndefined();
  });
});
