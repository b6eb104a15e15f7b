import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'examples/specs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI in a child process from its TypeScript sources (through tsx), so the test needs no build
 * and checks what a user sees: exit code, stdout and stderr.
 */
function chimera(...args: string[]): Promise<Run> {
  const entry = `import(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))}).then((m) => m.main(['node', 'chimera', ...process.argv.slice(1)]))`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('chimera validate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-validate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given valid specs, says ok and names every service (exit 0)', async () => {
    const run = await chimera('validate', '-f', join(EXAMPLES, 'multi.yaml'));
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ok: 2 canary spec(s) valid: checkout, payments\n');
    expect(run.code).toBe(0);
  });

  it('given a broken spec, prints every problem as file:line:col: path: message and exits 2', async () => {
    const file = join(EXAMPLES, 'broken-schema.yaml');
    const run = await chimera('validate', '-f', file);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe(`error: ${file}: 8 problems`);
    const kindLine = lines.find((l) =>
      l.startsWith(`  ${file}:8:11: spec.platform.kind: unknown platform kind 'dockr'`),
    );
    expect(kindLine).toMatch(/; valid kinds: .*local/);
    expect(lines).toContain(
      `  ${file}:14:5: spec.strategy.stepWieght: unknown field 'stepWieght' (did you mean 'stepWeight'?)`,
    );
    expect(lines).toContain(`  ${file}:13:20: spec.strategy.steps[2]: must be above 0% and at most 100%, got '150%'`);
  });

  it('given malformed YAML, points at the syntax error and exits 2', async () => {
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'apiVersion: chimera.dev/v1\nkind: Canary\nspec:\n  steps: [5, 10\n  other: 1\n');
    const run = await chimera('validate', '-f', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^  ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: `, 'm'));
  });

  it('given a missing file, names it and exits 2', async () => {
    const file = join(dir, 'absent.yaml');
    const run = await chimera('validate', '-f', file);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`error: spec file ${file} not found`);
  });

  it('--json reports a valid file', async () => {
    const run = await chimera('validate', '-f', join(EXAMPLES, 'full.yaml'), '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ valid: true, specs: ['checkout'], issues: [] });
  });

  it('--json reports every problem with path, line and column, and still exits 2', async () => {
    const run = await chimera('validate', '-f', join(EXAMPLES, 'broken-duplicate.yaml'), '--json');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      valid: false,
      specs: [],
      issues: [
        {
          path: 'metadata.name',
          line: 10,
          column: 19,
          message: "duplicate service name 'checkout' (first at line 4)",
        },
        {
          path: 'spec.strategy.stepWeight',
          line: 13,
          column: 44,
          message: "give either 'steps' or 'stepWeight'/'maxWeight', not both",
        },
      ],
    });
  });

  it('--json turns a file-level problem into one issue', async () => {
    const run = await chimera('validate', '-f', join(dir, 'absent.yaml'), '--json');
    expect(run.code).toBe(2);
    const out = JSON.parse(run.stdout) as { valid: boolean; issues: Array<{ message: string }> };
    expect(out.valid).toBe(false);
    expect(out.issues[0]?.message).toContain('not found');
  });
});
