import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_DIR } from './helpers.js';

const running: ChildProcess[] = [];

/** Starts the sample service on a free port (PORT=0) and resolves with that port once it listens. */
function start(env: Record<string, string>): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [path.join(SAMPLE_DIR, 'server.js')], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(proc);
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(d.toString());
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.on('exit', (code) => reject(new Error(`sample service exited with ${code}`)));
  });
}

function get(port: number, urlPath = '/'): Promise<{ status: number; body: { version: string } }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) as { version: string } }));
      })
      .on('error', reject);
  });
}

async function statuses(port: number, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(port)).status);
  return out;
}

describe('sample service', () => {
  afterEach(() => {
    for (const p of running.splice(0)) p.kill('SIGKILL');
  });

  it('answers every path with its version, and /healthz for readiness', async () => {
    const { port } = await start({ VERSION: 'v7' });
    expect(await get(port, '/')).toEqual({ status: 200, body: { version: 'v7' } });
    expect(await get(port, '/any/path?x=1')).toEqual({ status: 200, body: { version: 'v7' } });
    expect((await get(port, '/healthz')).status).toBe(200);
  });

  it('fails a seeded, repeatable fraction of requests with ERROR_RATE', async () => {
    const a = await start({ VERSION: 'v3', ERROR_RATE: '0.3', SEED: 'fixed' });
    const b = await start({ VERSION: 'v3', ERROR_RATE: '0.3', SEED: 'fixed' });
    const first = await statuses(a.port, 200);
    const second = await statuses(b.port, 200);
    expect(second).toEqual(first);
    const errors = first.filter((s) => s === 500).length;
    // 200 draws at p = 0.3: the fixed seed gives one count, far inside any sane band.
    expect(errors).toBeGreaterThan(30);
    expect(errors).toBeLessThan(90);
    expect((await get(a.port, '/healthz')).status).toBe(200);
  });

  it('never passes readiness with FAIL_READINESS, yet serves', async () => {
    const { port } = await start({ FAIL_READINESS: '1' });
    expect((await get(port, '/healthz')).status).toBe(503);
    expect((await get(port, '/')).status).toBe(200);
  });

  it('exits with status 1 after CRASH_AFTER requests, answering the last one', async () => {
    const { proc, port } = await start({ CRASH_AFTER: '3' });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(await statuses(port, 3)).toEqual([200, 200, 200]);
    expect(await exited).toBe(1);
  });

  it('refuses a malformed knob with exit status 2 and says which', async () => {
    const proc = spawn(process.execPath, [path.join(SAMPLE_DIR, 'server.js')], {
      env: { ...process.env, PORT: '0', ERROR_RATE: 'lots' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(proc);
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('ERROR_RATE=lots');
  });
});
