import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { cleanWorkspace } from './cleanup.js';
import { runCli, workspace, type Workspace } from './helpers.js';

/** Bad input gets a clear message naming the problem, exit 2, and changes nothing. */
describe('bad input to chimera run and the steering commands', () => {
  const spaces: Workspace[] = [];
  afterAll(async () => {
    for (const ws of spaces) await cleanWorkspace(ws).catch(() => undefined);
  });

  async function noRolloutRecorded(ws: Workspace): Promise<void> {
    if (!existsSync(ws.dataDir)) return;
    const store = await openStore(ws.dataDir, silentLogger);
    expect(await store.list()).toEqual([]);
    await store.close();
  }

  async function edited(replace: [RegExp | string, string]): Promise<Workspace> {
    const ws = await workspace();
    spaces.push(ws);
    await writeFile(ws.spec, (await readFile(ws.spec, 'utf8')).replace(replace[0], replace[1]));
    return ws;
  }

  it('malformed YAML: line and column, exit 2', async () => {
    const ws = await edited(['  strategy:', '  strategy: [unclosed']);
    const res = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/chimera\.yaml:\d+:\d+/);
    await noRolloutRecorded(ws);
  });

  it('unknown platform kind: lists the valid kinds', async () => {
    const ws = await edited(['kind: local', 'kind: lokal']);
    const res = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/lokal/);
    expect(res.stderr).toMatch(/local/);
    await noRolloutRecorded(ws);
  });

  it('a weight outside 0–100', async () => {
    const ws = await edited(['steps: [10, 30, 50]', 'steps: [10, 30, 160]']);
    const res = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/spec\.strategy\.steps\[2\]/);
    await noRolloutRecorded(ws);
  });

  it('a command that does not exist', async () => {
    const ws = await edited([/command: \[.*\]/, 'command: ["./no-such-program"]']);
    const res = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no-such-program/);
    await noRolloutRecorded(ws);
  });

  it('the proxy port already taken by another program', async () => {
    const ws = await workspace();
    spaces.push(ws);
    const squatter: Server = createServer((s) => s.end('not a proxy'));
    await new Promise<void>((r) => squatter.listen(ws.listen, '127.0.0.1', r));
    try {
      const res = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${ws.listen}`));
      await noRolloutRecorded(ws);
    } finally {
      squatter.close();
    }
  });

  it('an unknown service name', async () => {
    const ws = await workspace();
    spaces.push(ws);
    for (const verb of ['abort', 'promote', 'pause', 'resume', 'status', 'history']) {
      const res = await runCli([verb, 'nosuch', '--data-dir', ws.dataDir]);
      expect(res.code, verb).toBe(2);
      expect(res.stderr, verb).toMatch(/nosuch/);
    }
  });
});
