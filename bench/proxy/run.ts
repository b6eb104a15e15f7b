/**
 * Proxy benchmark: throughput and latency straight to a trivial upstream, through `chimera proxy` (its own
 * process, the built CLI) and through HAProxy when installed. `npx tsx bench/proxy/run.ts [--rounds 5]
 * [--seconds 5] [--connections 32] [--no-build] [--compare DIR] [--rate N]`. Prints a table and JSON; writes JSON to
 * bench/results/. `--compare DIR` adds a row for the proxy of another built checkout (e.g. a `git worktree` of an
 * older commit after `npx tsc -p tsconfig.build.json` there), so before and after share one run.
 *
 * Method: per round and per target, max throughput with wrk (closed loop); then an open-loop probe at half of
 * the proxy's median max throughput against every target, recording every latency (p50/p99). Targets alternate
 * within each round so drifting machine load hits them alike; figures are medians over rounds and ratios are
 * taken per round. CPU time per request of the proxy and upstream processes (from /proc) is reported too: it is
 * far less sensitive than throughput to other work on the machine.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuMs, freePort, has, median, start, waitHttp, wrk } from './processes.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = flag('rounds', 5);
const SECONDS = flag('seconds', 5);
const CONNECTIONS = flag('connections', 32);
const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'bench-token';
const compareAt = args.indexOf('--compare');
const COMPARE = compareAt >= 0 ? resolve(args[compareAt + 1]!) : undefined;

interface Target {
  name: string;
  url: string;
  proc?: ChildProcess;
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function main(): Promise<void> {
  if (!args.includes('--no-build')) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(join(ROOT, 'dist/proxy/server.js'))) throw new Error('dist/ is missing: run `npm run build`');
  if (!has('wrk')) throw new Error('wrk is required: apt-get install -y wrk');
  const tmp = mkdtempSync(join(tmpdir(), 'chimera-bench-'));
  const [upPort, haPort] = [await freePort(), await freePort()];

  const upstream = start(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/proxy/upstream.ts'), `${upPort}`]);
  children.push(upstream);
  await waitHttp(`http://127.0.0.1:${upPort}/`);

  // A temp state file per proxy keeps runs independent; the token comes from the environment.
  const startChimera = async (root: string, name: string): Promise<Target> => {
    const [listenPort, adminPort] = [await freePort(), await freePort()];
    const proc = start(
      process.execPath,
      [
        join(root, 'bin/chimera.js'),
        'proxy',
        '--listen',
        `127.0.0.1:${listenPort}`,
        '--admin',
        `127.0.0.1:${adminPort}`,
        '--state',
        join(tmp, `routes-${listenPort}.json`),
        '--service',
        'bench',
      ],
      { CHIMERA_PROXY_TOKEN: TOKEN, CHIMERA_LOG_LEVEL: 'warn' },
    );
    children.push(proc);
    await waitHttp(`http://127.0.0.1:${adminPort}/healthz`);
    const put = await fetch(`http://127.0.0.1:${adminPort}/admin/routes`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stable: { version: 'v1', endpoints: [`127.0.0.1:${upPort}`] } }),
    });
    if (put.status !== 200) throw new Error(`setting routes failed: ${await put.text()}`);
    return { name, url: `http://127.0.0.1:${listenPort}/`, proc };
  };

  const targets: Target[] = [
    { name: 'direct', url: `http://127.0.0.1:${upPort}/` },
    await startChimera(ROOT, 'chimera proxy'),
  ];
  if (COMPARE) {
    if (!existsSync(join(COMPARE, 'dist/proxy/server.js'))) throw new Error(`${COMPARE}/dist is missing: build it`);
    targets.push(await startChimera(COMPARE, 'chimera (compare)'));
  }
  let haproxyNote = 'haproxy not installed: row skipped (apt-get install -y haproxy)';
  if (has('haproxy')) {
    const cfg = join(tmp, 'haproxy.cfg');
    writeFileSync(
      cfg,
      [
        'global',
        '  maxconn 4096',
        '  nbthread 1',
        'defaults',
        '  mode http',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        '  option http-keep-alive',
        'frontend fe',
        `  bind 127.0.0.1:${haPort}`,
        '  default_backend be',
        'backend be',
        '  http-reuse always',
        `  server s1 127.0.0.1:${upPort}`,
        '',
      ].join('\n'),
    );
    const ha = start('haproxy', ['-f', cfg, '-db']);
    children.push(ha);
    await waitHttp(`http://127.0.0.1:${haPort}/`);
    targets.push({ name: 'haproxy (1 thread)', url: `http://127.0.0.1:${haPort}/`, proc: ha });
    haproxyNote = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'haproxy';
  }

  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    wrk: spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0],
    haproxy: haproxyNote,
  };

  // Warm-up: JIT, connection pools.
  for (const t of targets) wrk(t.url, 2, CONNECTIONS);

  const tput: Record<string, number[]> = {};
  const cpuPerReq: Record<string, number[]> = {};
  const upstreamCpuPerReq: Record<string, number[]> = {};
  const loadPerRound: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    loadPerRound.push(Math.round(loadavg()[0]! * 10) / 10);
    for (const t of targets) {
      const [p0, u0] = [cpuMs(t.proc?.pid), cpuMs(upstream.pid)];
      const rps = wrk(t.url, SECONDS, CONNECTIONS);
      const n = rps * SECONDS;
      (tput[t.name] ??= []).push(rps);
      if (t.proc) (cpuPerReq[t.name] ??= []).push(((cpuMs(t.proc.pid) - p0) * 1000) / n);
      (upstreamCpuPerReq[t.name] ??= []).push(((cpuMs(upstream.pid) - u0) * 1000) / n);
    }
  }

  // `--rate N` probes latency at a fixed offered rate instead (e.g. a rate the loaded machine can carry calmly).
  const rate = flag('rate', 0) || Math.max(100, Math.round(median(tput['chimera proxy']!) / 2));
  const p50: Record<string, number[]> = {};
  const p99: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of targets) {
      const out = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'bench/proxy/latency-client.ts'),
          t.url,
          `${rate}`,
          `${SECONDS}`,
          `${CONNECTIONS}`,
        ],
        { encoding: 'utf8', cwd: ROOT },
      ).stdout;
      const res = JSON.parse(out) as { p50: number; p99: number };
      (p50[t.name] ??= []).push(res.p50);
      (p99[t.name] ??= []).push(res.p99);
    }
  }

  const ratio = (name: string): number => median(tput[name]!.map((x, i) => x / tput.direct![i]!));
  const added = (name: string): number => median(p99[name]!.map((x, i) => x - p99.direct![i]!));
  const rows = targets.map((t) => ({
    target: t.name,
    maxRps: Math.round(median(tput[t.name]!)),
    ratioToDirect: Math.round(ratio(t.name) * 1000) / 1000,
    p50Ms: Math.round(median(p50[t.name]!) * 1000) / 1000,
    p99Ms: Math.round(median(p99[t.name]!) * 1000) / 1000,
    addedP99Ms: Math.round(added(t.name) * 1000) / 1000,
    proxyCpuUsPerReq: t.proc ? Math.round(median(cpuPerReq[t.name]!) * 10) / 10 : null,
    upstreamCpuUsPerReq: Math.round(median(upstreamCpuPerReq[t.name]!) * 10) / 10,
  }));
  const chimeraRow = rows.find((r) => r.target === 'chimera proxy')!;
  const directP99 = rows.find((r) => r.target === 'direct')!.p99Ms;
  const result = {
    method: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, latencyRate: rate, compare: COMPARE },
    machine: {
      ...machine,
      loadavg1PerRound: loadPerRound,
      loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    rows,
    rounds: { throughput: tput, p50, p99 },
    target: {
      throughputRatio: { want: '>= 0.70', got: chimeraRow.ratioToDirect, met: chimeraRow.ratioToDirect >= 0.7 },
      // A 1 ms difference cannot be judged when the direct path's own p99 is far above it (queueing for the CPU
      // behind other work on the machine): say so instead of reporting a negative "added" latency as met.
      addedP99Ms: {
        want: '< 1',
        got: chimeraRow.addedP99Ms,
        met: directP99 <= 5 ? chimeraRow.addedP99Ms < 1 : null,
        note: directP99 <= 5 ? undefined : `not measurable here: direct p99 is ${directP99} ms`,
      },
    },
  };

  const line = (cells: Array<string | number | null>): string =>
    cells.map((c, i) => String(c ?? '-').padStart(i === 0 ? 20 : 12)).join(' ');
  console.log(line(['target', 'max req/s', 'vs direct', 'p50 ms', 'p99 ms', '+p99 ms', 'cpu us/req', 'up us/req']));
  for (const r of rows) {
    console.log(
      line([
        r.target,
        r.maxRps,
        r.ratioToDirect,
        r.p50Ms,
        r.p99Ms,
        r.addedP99Ms,
        r.proxyCpuUsPerReq,
        r.upstreamCpuUsPerReq,
      ]),
    );
  }
  const why = flag('rate', 0) ? 'fixed by --rate' : "half of the chimera proxy's median max";
  console.log(`latency at ${rate} req/s (${why}); ${ROUNDS} rounds; ${haproxyNote}`);
  console.log(JSON.stringify(result));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/proxy-${Date.now()}.json`), JSON.stringify(result, null, 2));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
