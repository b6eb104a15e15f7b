import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, versionAt } from '../../src/ports/platform.conformance.js';
import type { Platform, VersionStatus, VersionTarget } from '../../src/ports/platform.js';
import type { InstanceState } from '../../src/providers/local/instance-files.js';
import { alive, LocalWorld, sampleConfig } from './helpers.js';

const WAIT = 60_000;
const signal = () => AbortSignal.timeout(WAIT);
const target = (version: string, replicas?: number): VersionTarget => ({
  service: 'web',
  version,
  role: 'canary',
  ...(replicas ? { replicas } : {}),
});

function settled(platform: Platform, t: VersionTarget): Promise<VersionStatus> {
  return eventually(
    () => platform.status(t, signal()),
    (s) => s.failed === true || s.ready === s.desired,
    WAIT,
  );
}

function instanceState(world: LocalWorld, version: string, index: number): InstanceState {
  const file = path.join(world.dataDir, 'local', 'web', version, `${index}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as InstanceState;
}

describe('local platform with real processes', () => {
  let world: LocalWorld;
  afterEach(() => world.cleanup());

  it('restarts a child killed with SIGKILL on the same port', async () => {
    world = new LocalWorld();
    const platform = await world.platform(sampleConfig({ replicas: 2 }));
    await platform.deploy(target('v1'), signal());
    const before = await settled(platform, target('v1'));
    expect(before.ready).toBe(2);
    const victim = instanceState(world, 'v1', 0);
    process.kill(victim.childPid!, 'SIGKILL');
    await eventually(
      () => Promise.resolve(instanceState(world, 'v1', 0)),
      (s) => s.restarts === 1 && s.status === 'running' && s.childPid !== victim.childPid,
      WAIT,
    );
    const after = await settled(platform, target('v1'));
    expect(after.ready).toBe(2);
    expect(instanceState(world, 'v1', 0).lastExit?.signal).toBe('SIGKILL');
    expect(await versionAt('127.0.0.1', victim.port)).toBe('v1');
  });

  it('keeps instances running when the controller is killed, and a new controller adopts them', async () => {
    world = new LocalWorld();
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const script = fileURLToPath(new URL('./fixtures/controller.ts', import.meta.url));
    const controller = spawn(process.execPath, ['--import', tsx, script, world.dataDir], { stdio: 'pipe' });
    let stderr = '';
    controller.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      controller.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      controller.on('exit', (code) => reject(new Error(`controller exited (${code}): ${stderr}`)));
    });
    const ports = [0, 1].map((i) => instanceState(world, 'v1', i).port);
    controller.kill('SIGKILL');
    await new Promise((resolve) => controller.on('exit', resolve));

    const platform = await world.platform(sampleConfig({ replicas: 2 }));
    const listed = await platform.list('web', signal());
    expect(listed.map((v) => [v.version, v.role, v.ready])).toEqual([['v1', 'stable', 2]]);
    // Deploying again, as a resumed controller does, adopts the same processes.
    await platform.deploy({ ...target('v1'), role: 'stable' }, signal());
    const s = await settled(platform, target('v1'));
    expect(s.endpoints.map((e) => e.port).sort()).toEqual([...ports].sort());
    expect(await Promise.all(s.endpoints.map((e) => versionAt(e.host, e.port)))).toEqual(['v1', 'v1']);
  });

  it('marks a crash loop failed with the last stderr line', async () => {
    world = new LocalWorld();
    const crash = [
      process.execPath,
      '-e',
      "console.error('starting'); console.error('boom: bad config'); process.exit(3)",
    ];
    const platform = await world.platform(sampleConfig({ versions: { v9: { command: crash } } }));
    await platform.deploy(target('v9'), signal());
    const s = await settled(platform, target('v9'));
    expect(s.failed).toBe(true);
    // maxRestarts 2: the first run and two restarts.
    expect(s.message).toBe('exited 3 times: boom: bad config');
    expect(instanceState(world, 'v9', 0)).toMatchObject({ status: 'failed', restarts: 2, lastExit: { code: 3 } });
  });

  it('fails at once, not by timeout, for a missing or non-executable command or working directory', async () => {
    world = new LocalWorld();
    const script = path.join(world.dataDir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const platform = await world.platform(
      sampleConfig({
        // A readiness timeout far beyond the wait below: a failure here can only come from detection.
        readiness: { timeout: '10m' },
        versions: {
          a: { command: ['./nope'] },
          b: { command: 'nope-command --flag' },
          c: { command: [script] },
        },
      }),
    );
    for (const v of ['a', 'b', 'c']) await platform.deploy(target(v), signal());
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((v) => settled(platform, target(v))));
    expect(a).toMatchObject({ failed: true, ready: 0, message: 'command not found: ./nope' });
    expect(b).toMatchObject({ failed: true, ready: 0, message: 'command not found: nope-command' });
    expect(c).toMatchObject({ failed: true, ready: 0, message: `command is not executable: ${script}` });

    const noDir = await world.platform(sampleConfig({ cwd: path.join(world.dataDir, 'missing') }), 'other');
    await noDir.deploy({ ...target('v1'), service: 'other' }, signal());
    const d = await settled(noDir, { ...target('v1'), service: 'other' });
    expect(d).toMatchObject({ failed: true, message: expect.stringContaining('working directory does not exist') });
  });

  it('reports a version whose readiness never passes as not ready, not failed', async () => {
    world = new LocalWorld();
    const platform = await world.platform(sampleConfig({ versions: { v2: { env: { FAIL_READINESS: '1' } } } }));
    await platform.deploy(target('v2'), signal());
    const s = await eventually(
      () => platform.status(target('v2'), signal()),
      (x) => x.message?.includes('/healthz answered 503') === true,
      WAIT,
    );
    expect(s).toMatchObject({ ready: 0, endpoints: [] });
    expect(s.failed).toBeFalsy();
  });

  it('removes every process it started, shell children included', async () => {
    world = new LocalWorld();
    // A string command runs under /bin/sh: the service is a grandchild of the supervisor.
    const platform = await world.platform(sampleConfig({ command: `${process.execPath} server.js`, replicas: 2 }));
    await platform.deploy(target('v1'), signal());
    await platform.deploy(target('v2'), signal());
    expect((await settled(platform, target('v1'))).ready).toBe(2);
    expect((await settled(platform, target('v2'))).ready).toBe(2);
    const pids = world.pids();
    expect(pids.filter((p) => p > 0).length).toBeGreaterThanOrEqual(4);
    await platform.remove(target('v1'), signal());
    await platform.remove(target('v2'), signal());
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(path.join(world.dataDir, 'local', 'web'))).toBe(false);
    expect(await platform.list('web', signal())).toEqual([]);
  });

  it('replaces instances when the spec for a version changes, and scales down', async () => {
    world = new LocalWorld();
    const first = await world.platform(sampleConfig({ replicas: 2 }));
    await first.deploy(target('v1'), signal());
    await settled(first, target('v1'));
    const old = [0, 1].map((i) => instanceState(world, 'v1', i).childPid!);
    const changed = await world.platform(sampleConfig({ replicas: 1, env: { LATENCY_MS: '1' } }));
    await changed.deploy(target('v1'), signal());
    const s = await settled(changed, target('v1'));
    expect(s).toMatchObject({ desired: 1, ready: 1 });
    expect(old.filter((pid) => alive(pid))).toEqual([]);
    expect(existsSync(path.join(world.dataDir, 'local', 'web', 'v1', '1.json'))).toBe(false);
  });

  it('stops an instance whose state folder was deleted by hand instead of leaving it unreachable', async () => {
    world = new LocalWorld();
    const platform = await world.platform(sampleConfig());
    await platform.deploy(target('v1'), signal());
    expect((await settled(platform, target('v1'))).ready).toBe(1);
    const pids = world.pids();
    rmSync(path.join(world.dataDir, 'local', 'web', 'v1'), { recursive: true, force: true });
    try {
      await eventually(
        () => Promise.resolve(pids.filter(alive)),
        (left) => left.length === 0,
        WAIT,
      );
    } finally {
      // The files the safety net reads are gone: kill what this test knows about itself.
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
    expect(await platform.list('web', signal())).toEqual([]);
  });
});
