import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// A two-line entry file, so the CLI sees a normal process.argv (not node --eval's).
const ENTRY = join(mkdtempSync(join(tmpdir(), 'chimera-analyze-')), 'entry.mjs');
writeFileSync(ENTRY, `import { main } from ${JSON.stringify(pathToFileURL(MAIN).href)};\nawait main(process.argv);\n`);

/** Runs the real CLI (through tsx) as a child process, feeding `input` on stdin. */
function chimera(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('chimera analyze (real process)', () => {
  it('follows the NDJSON contract: one line out per line in, rollback sticks, errors name the line', async () => {
    const lines = [
      '{"id":"s1","t":1,"canary":{"requests":10,"errors":10},"baseline":{"requests":90,"errors":0}}',
      '{"id":"s2","t":1,"canary":{"requests":10,"errors":0},"baseline":{"requests":90,"errors":0}}',
      'garbage',
      '{"id":"s1","t":2,"canary":{"requests":10,"errors":0},"baseline":{"requests":90,"errors":0}}',
    ];
    const { code, stdout } = await chimera(['analyze'], lines.join('\n') + '\n');
    expect(code).toBe(0);
    const out = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ id: 's1', t: 1, decision: 'rollback' });
    expect(out[1]).toMatchObject({ id: 's2', t: 1, decision: 'inconclusive' });
    expect(out[2]).toMatchObject({ line: 3 });
    expect(out[3]).toMatchObject({ id: 's1', t: 2, decision: 'rollback' });
    expect(String(out[0]!.reason)).toContain('e-value');
  });

  it('exits 2 naming the bad flag', async () => {
    const { code, stderr, stdout } = await chimera(['analyze', '--alpha', '1.5'], '');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--alpha');
  });
});
