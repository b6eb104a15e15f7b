import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Finds haproxy: $HAPROXY_BIN, the test-env file, or PATH. Undefined when it is not installed. */
export function haproxyBinary(): string | undefined {
  const candidates = [process.env.HAPROXY_BIN, envFileValue('haproxy', 'HAPROXY_BIN'), 'haproxy', '/usr/sbin/haproxy'];
  return candidates.find((c) => c && spawnSync(c, ['-v']).status === 0);
}

export function envFileValue(name: string, key: string): string | undefined {
  const file = `/var/cache/chimera-test/${name}.env`;
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}=`));
  return line?.slice(key.length + 1);
}

/** A free loopback port (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface HaproxyInstance {
  /** Frontend users' traffic goes to. */
  port: number;
  /** Prometheus exporter (`/metrics`). */
  metricsPort: number;
  socket: string;
  backend: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts a real haproxy with one backend holding servers `stable` (pointing at `stablePort`) and `canary`
 * (a placeholder at weight 0) unless other `servers` lines are given, a Runtime API socket with `level admin`, and
 * the Prometheus exporter.
 */
export async function startHaproxy(
  bin: string,
  backend: string,
  stablePort: number,
  servers = `  server stable 127.0.0.1:${stablePort} weight 100\n  server canary 127.0.0.1:1 weight 0\n`,
): Promise<HaproxyInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'chimera-haproxy-'));
  const port = await freePort();
  const metricsPort = await freePort();
  const socket = join(dir, 'admin.sock');
  const cfg = `global
  stats socket ${socket} mode 600 level admin
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend users
  bind 127.0.0.1:${port}
  default_backend ${backend}
frontend metrics
  bind 127.0.0.1:${metricsPort}
  http-request use-service prometheus-exporter if { path /metrics }
backend ${backend}
  balance roundrobin
${servers}`;
  await writeFile(join(dir, 'haproxy.cfg'), cfg);
  const child: ChildProcess = spawn(bin, ['-db', '-f', join(dir, 'haproxy.cfg')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 200 && !existsSync(socket); i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!existsSync(socket)) throw new Error(`haproxy did not create its socket: ${stderr}`);
  return {
    port,
    metricsPort,
    socket,
    backend,
    dir,
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
