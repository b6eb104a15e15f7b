import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** What `scripts/test-env/postgres.sh` hands the tests, from the environment first, else its env file. */
export interface PgTestEnv {
  /** A superuser URL on the shared loopback server. */
  url: string | undefined;
  bindir: string | undefined;
  osUser: string | undefined;
}

export function pgTestEnv(): PgTestEnv {
  const file = `${process.env.CHIMERA_TEST_CACHE ?? '/var/cache/chimera-test'}/postgres.env`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const value = (key: string) => process.env[key] || new RegExp(`^${key}=(.+)$`, 'm').exec(text)?.[1]?.trim();
  return { url: value('CHIMERA_PG_URL'), bindir: value('CHIMERA_PG_BINDIR'), osUser: value('CHIMERA_PG_OS_USER') };
}

/** True when the shared server answers; under CI=true its absence is a failure, otherwise a loud skip. */
export async function pgAvailable(env = pgTestEnv()): Promise<boolean> {
  let problem = env.url ? undefined : 'no CHIMERA_PG_URL';
  if (env.url) {
    const client = new pg.Client({ connectionString: env.url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (err) {
      problem = `${redact(env.url)}: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (!problem) return true;
  const msg = `Postgres not reachable (${problem}): run scripts/test-env/postgres.sh`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`\n*** SKIPPING POSTGRES STORE TESTS: ${msg} ***\n`);
  return false;
}

/** A fresh database on the shared server, so test files and tests never see each other's rows. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `chimera_t_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.href,
    // FORCE (Postgres 13+) ends connections a failed test left open.
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.href;
}

/** A private Postgres cluster this test owns: it can stop and start it without disturbing anyone else. */
export interface PrivateCluster {
  url: string;
  port: number;
  password: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** initdb in a temp folder and pg_ctl start on a free loopback port, as the non-root owner when we are root. */
export async function startPrivateCluster(env: PgTestEnv): Promise<PrivateCluster> {
  if (!env.bindir) throw new Error('CHIMERA_PG_BINDIR unknown: run scripts/test-env/postgres.sh');
  const asRoot = process.getuid?.() === 0;
  const osUser = env.osUser ?? 'postgres';
  const exec = (bin: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', osUser, '--', path.join(env.bindir!, bin), ...args])
      : run(path.join(env.bindir!, bin), args);
  const base = mkdtempSync(path.join(tmpdir(), 'chimera-pg-'));
  const data = path.join(base, 'data');
  const password = randomBytes(9).toString('base64url');
  writeFileSync(path.join(base, 'pw'), `${password}\n`);
  if (asRoot) {
    const { stdout } = await run('id', ['-u', osUser]);
    const uid = Number(stdout.trim());
    chownSync(base, uid, -1);
    chownSync(path.join(base, 'pw'), uid, -1);
  }
  await exec('initdb', [
    '-D',
    data,
    '-U',
    'chimera',
    `--pwfile=${path.join(base, 'pw')}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  const port = await freePort();
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${base}`;
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-l', path.join(base, 'log'), '-w', '-t', '60', '-o', opts, 'start']);
  };
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  await start();
  let running = true;
  return {
    url: `postgres://chimera:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    stop: async () => {
      await stop();
      running = false;
    },
    start: async () => {
      await start();
      running = true;
    },
    destroy: async () => {
      if (running) await stop().catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
