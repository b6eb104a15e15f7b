import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dockerIfAvailable } from '../docker/sample-images.js';
import { haproxyBinary } from '../haproxy/haproxy-process.js';
import { prometheusBinary, requireBackend } from '../prometheus/prometheus-process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const docker = await dockerIfAvailable();
const swarm = docker ? (await docker.info()).Swarm?.LocalNodeState === 'active' : false;
const enabled =
  requireBackend('Docker Swarm with the local base image', swarm, 'scripts/test-env/docker.sh') &&
  requireBackend('haproxy', haproxyBinary(), 'scripts/test-env/haproxy.sh') &&
  requireBackend('prometheus', prometheusBinary(), 'scripts/test-env/prometheus.sh');

interface Summary {
  rollouts: {
    service: string;
    from: string;
    to: string;
    outcome: string;
    canaryRequests: number;
    canaryErrors: number;
  }[];
}

/** Load generators the examples start (`chimera load … --rps 60`) that are still running. */
async function exampleLoadGenerators(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const at = args.indexOf('load');
    if (at > 0 && args[at + 1] === '--url' && args[at + 3] === '--rps' && args[at + 4] === '60')
      pids.push(Number(entry));
  }
  return pids;
}

async function example(name: string): Promise<Summary> {
  const before = new Set(await exampleLoadGenerators());
  const { stdout } = await run('bash', [`${ROOT}examples/${name}/run.sh`, '--json'], {
    timeout: 400_000,
    maxBuffer: 16 << 20,
  });
  // The script stops what it started: no load generator of its own outlives it (one did, as an orphan of `&`).
  const left = async () => (await exampleLoadGenerators()).filter((pid) => !before.has(pid));
  for (let i = 0; i < 50 && (await left()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await left()).toEqual([]);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Summary;
}

// The examples end to end: real Swarm/Docker, HAProxy or the built-in proxy, Prometheus, `chimera run`.
describe.skipIf(!enabled)('examples end to end', () => {
  it('given Swarm behind HAProxy with Prometheus metrics, a healthy canary is promoted and a faulty one rolled back', async () => {
    const s = await example('swarm-haproxy-prometheus');
    expect(s.rollouts.map((r) => [r.from, r.to, r.outcome])).toEqual([
      ['1.0', '2.0', 'promoted'],
      ['2.0', '3.0', 'rolled_back'],
    ]);
    expect(s.rollouts[1]!.canaryErrors).toBeGreaterThan(0);
  });

  it('given Docker behind the built-in proxy with Prometheus metrics, the same two outcomes', async () => {
    const s = await example('docker-builtin-proxy-prometheus');
    expect(s.rollouts.map((r) => [r.from, r.to, r.outcome])).toEqual([
      ['1.0', '2.0', 'promoted'],
      ['2.0', '3.0', 'rolled_back'],
    ]);
    expect(s.rollouts[0]!.canaryErrors).toBe(0);
  });
});
