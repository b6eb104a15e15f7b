import { describe, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFileValue, freePort } from '../haproxy/haproxy-process.js';

/** Finds prometheus: $PROMETHEUS_BIN, the test-env file, or PATH. Undefined when it is not installed. */
export function prometheusBinary(): string | undefined {
  const candidates = [
    process.env.PROMETHEUS_BIN,
    envFileValue('prometheus', 'PROMETHEUS_BIN'),
    'prometheus',
    '/usr/bin/prometheus',
  ];
  return candidates.find((c) => c && spawnSync(c, ['--version']).status === 0);
}

export interface PrometheusInstance {
  address: string;
  port: number;
  stop(): Promise<void>;
}

/** A scrape job: a name and `host:port` targets scraped every second at `/metrics`. */
export interface ScrapeJob {
  job: string;
  targets: string[];
  labels?: Record<string, string>;
}

/** Starts a real Prometheus on a free loopback port with a temporary TSDB and a 1 s scrape interval. */
export async function startPrometheus(bin: string, jobs: ScrapeJob[]): Promise<PrometheusInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'chimera-prometheus-'));
  const port = await freePort();
  const scrape = jobs
    .map(
      (j) => `  - job_name: ${j.job}
    scrape_interval: 1s
    static_configs:
      - targets: [${j.targets.map((t) => `'${t}'`).join(', ')}]
${
  j.labels
    ? `        labels: { ${Object.entries(j.labels)
        .map(([k, v]) => `${k}: '${v}'`)
        .join(', ')} }`
    : ''
}`,
    )
    .join('\n');
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${scrape}\n`,
  );
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const address = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    const ok = await fetch(`${address}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` returns true, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Skips loudly without the back-end; under CI=true a missing back-end fails instead. */
export function requireBackend(name: string, found: unknown, setup: string): boolean {
  if (found) return true;
  const message = `${name} is not available: run ${setup}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing back-end is a failure)`);
  console.warn(`\n*** SKIPPING ${name} tests: ${message} ***\n`);
  return false;
}

/**
 * For a file whose suites are all behind {@link requireBackend}: registers one skipped test naming what is missing,
 * so the file reports as skipped instead of failing with "no test suite found".
 */
export function skippedSuite(name: string, setup: string): void {
  describe.skip(name, () => {
    it(`needs ${setup}`, () => undefined);
  });
}
