import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { errorRateAnalyzer } from '../../src/testing/fake-analyzer.js';
import { SPEC, testServer, type TestServer } from './helpers.js';

/** The CLI against a running server (real HTTP): `run --wait` exit codes for CI, status, steering, tokens. */
describe('CLI with --server', () => {
  let s: TestServer;
  let url: string;
  let dir: string;
  let file: string;
  let out = '';

  const cli = async (...args: string[]): Promise<number> => {
    out = '';
    process.exitCode = undefined;
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await main(['node', 'chimera', ...args]);
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    return code;
  };

  beforeAll(async () => {
    s = await testServer({ analyzer: errorRateAnalyzer(0.05, 20) });
    url = await s.app.listen({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'chimera-cli-remote-'));
    file = join(dir, 'chimera.yaml');
    await writeFile(file, SPEC);
  });
  afterAll(async () => {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('run --wait exits 0 when promoted and 1 when rolled back; a changed spec needs admin', async () => {
    s.pump(0);
    expect(await cli('run', '-f', file, '--wait', '--server', url, '--token', s.tokens.admin)).toBe(0);
    expect(out).toContain('PROMOTED');
    // A different file (v3) than the one registered: sending it needs admin.
    const v3 = join(dir, 'v3.yaml');
    await writeFile(v3, SPEC.replace('version: v2', 'version: v3'));
    expect(await cli('run', '-f', v3, '--wait', '--server', url, '--token', s.tokens.operator)).toBe(2);
    expect(out).toContain('needs the admin role');
    s.pump(0.5);
    expect(await cli('run', '-f', v3, '--wait', '--server', url, '--token', s.tokens.admin)).toBe(1);
    expect(out).toContain('ROLLED BACK');
  });

  it('reads status and history from the server, with the token from the environment', async () => {
    vi.stubEnv('CHIMERA_SERVER', url);
    vi.stubEnv('CHIMERA_TOKEN', s.tokens.viewer);
    try {
      expect(await cli('status', '--json')).toBe(0);
      expect(JSON.parse(out).services[0].service).toBe('shop');
      expect(await cli('history', 'shop', '--events')).toBe(0);
      expect(out).toContain('step-advanced');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('maps server refusals to clear errors and exit codes', async () => {
    expect(await cli('status', '--server', url)).toBe(2);
    expect(out).toContain('needs a token');
    expect(await cli('status', '--server', url, '--token', 'chm_nope')).toBe(2);
    expect(out).toContain('invalid or revoked API token');
    expect(await cli('abort', 'shop', '--server', url, '--token', s.tokens.viewer)).toBe(2);
    expect(out).toContain('operator role');
    expect(await cli('abort', 'shop', '--server', url, '--token', s.tokens.operator)).toBe(2);
    expect(out).toContain('already ended');
  });

  it('creates a token through the API, shown once', async () => {
    expect(
      await cli('token', 'create', '--role', 'viewer', '--name', 'ci', '--server', url, '--token', s.tokens.admin),
    ).toBe(0);
    const token = /chm_[\w-]+/.exec(out)?.[0];
    expect(token).toBeDefined();
    expect(await cli('token', 'list', '--server', url, '--token', s.tokens.admin)).toBe(0);
    expect(out).toContain(' ci ');
    expect(out).not.toContain(token);
  });
});
