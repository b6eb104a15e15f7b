/**
 * Local platform benchmark: how long `deploy` takes until every instance answers its readiness path, how long
 * `remove` takes until every process is gone, and what a supervisor costs in memory.
 * `npx tsx bench/local/run.ts [--rounds 5] [--replicas 2] [--no-build]`. Prints a table and JSON.
 *
 * Method: the compiled platform from dist/ (as `chimera` runs it: supervisors run plain `node supervisor.js`)
 * deploys the sample service; status is polled every 20 ms, so times are accurate to about 20 ms. Medians over
 * rounds. RSS is read from /proc/<pid>/status while the instances run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Platform } from '../../src/ports/platform.js';
import type { ProviderContext } from '../../src/providers/context.js';
import type { LocalPlatformConfig } from '../../src/providers/local/config.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = flag('rounds', 5);
const REPLICAS = flag('replicas', 2);
const ROOT = resolve(import.meta.dirname, '../..');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  if (!args.includes('--no-build')) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const dist = join(ROOT, 'dist/providers/local/index.js');
  if (!existsSync(dist)) throw new Error('dist/ is missing: run `npm run build`');
  const local = (await import(pathToFileURL(dist).href)) as {
    createPlatform(c: LocalPlatformConfig, ctx: ProviderContext): Promise<Platform>;
    localPlatformConfig: { parse(x: unknown): LocalPlatformConfig };
  };
  const { silentLogger } = (await import(pathToFileURL(join(ROOT, 'dist/logger.js')).href)) as {
    silentLogger: ProviderContext['log'];
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'chimera-bench-local-'));
  const config = local.localPlatformConfig.parse({
    kind: 'local',
    command: [process.execPath, 'server.js'],
    cwd: join(ROOT, 'examples/sample-service'),
    replicas: REPLICAS,
  });
  const platform = await local.createPlatform(config, { service: 'bench', dataDir, log: silentLogger });
  const target = { service: 'bench', version: 'v1', role: 'canary' as const };
  const ready: number[] = [];
  const removed: number[] = [];
  const supervisorRss: number[] = [];
  const serviceRss: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      await platform.deploy(target, AbortSignal.timeout(60_000));
      for (;;) {
        const s = await platform.status(target, AbortSignal.timeout(10_000));
        if (s.failed) throw new Error(s.message);
        if (s.ready === REPLICAS) break;
        await sleep(20);
      }
      ready.push(performance.now() - t0);
      for (let i = 0; i < REPLICAS; i++) {
        const state = JSON.parse(readFileSync(join(dataDir, 'local/bench/v1', `${i}.json`), 'utf8')) as {
          supervisorPid: number;
          childPid: number;
        };
        supervisorRss.push(rssMb(state.supervisorPid));
        serviceRss.push(rssMb(state.childPid));
      }
      const t1 = performance.now();
      await platform.remove(target, AbortSignal.timeout(60_000));
      removed.push(performance.now() - t1);
    }
  } finally {
    await platform.remove(target, AbortSignal.timeout(60_000)).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const result = {
    bench: 'local-platform',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg1: loadavg()[0] },
    rounds: ROUNDS,
    replicas: REPLICAS,
    deployToReadyMs: { median: median(ready), all: ready.map(Math.round) },
    removeMs: { median: median(removed), all: removed.map(Math.round) },
    supervisorRssMb: median(supervisorRss),
    sampleServiceRssMb: median(serviceRss),
  };
  console.table({
    'deploy → all ready (ms)': Math.round(result.deployToReadyMs.median),
    'remove → all gone (ms)': Math.round(result.removeMs.median),
    'supervisor RSS (MB)': Math.round(result.supervisorRssMb),
    'sample service RSS (MB)': Math.round(result.sampleServiceRssMb),
  });
  console.log(JSON.stringify(result, null, 2));
}

await main();
