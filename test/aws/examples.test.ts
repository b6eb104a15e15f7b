import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { motoAvailable, motoEndpoint } from './moto.js';

const ROOT = resolve(import.meta.dirname, '../..');
// The examples start their own moto server; the shared one being up shows moto is installed here.
const available = await motoAvailable(motoEndpoint());

function runExample(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', [resolve(ROOT, 'examples', name, 'run.sh'), '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe.skipIf(!available)('AWS examples against moto', () => {
  it.each(['aws-ecs-appmesh', 'aws-ecs-alb'])(
    '%s: a healthy canary is promoted and a faulty one rolled back',
    async (name) => {
      const run = await runExample(name);
      expect(run.code, run.stderr).toBe(0);
      const { rollouts } = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
        rollouts: Array<{ from: string; to: string; outcome: string; canaryErrors: number }>;
      };
      expect(rollouts.map((r) => [r.from, r.to, r.outcome])).toEqual([
        ['1.0', '2.0', 'promoted'],
        ['2.0', '3.0', 'rolled_back'],
      ]);
      expect(rollouts[1]!.canaryErrors).toBeGreaterThan(0);
    },
    400_000,
  );
});
