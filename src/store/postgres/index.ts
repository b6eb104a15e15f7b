import type { Store } from '../../ports/store.js';
import type { StoreContext } from '../sqlite/index.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE, type PostgresStoreConfig } from './config.js';
import { parseDatabaseUrl, toChimeraError } from './errors.js';

export const kind = 'postgres';
export { postgresStoreConfig, type PostgresStoreConfig } from './config.js';
export { parseDatabaseUrl, type PgTarget } from './errors.js';

/**
 * Opens the Postgres store: checks the URL (ConfigError, password masked), connects, and migrates the schema
 * (once, under an advisory lock, however many replicas start together). A refused connection is a retriable
 * ProviderError naming host:port; wrong credentials or a missing database are ConfigErrors.
 *
 * @example
 * const store = await createStore({ kind: 'postgres', url: process.env.DATABASE_URL! }, { dataDir, log });
 */
export async function createStore(config: PostgresStoreConfig, ctx: StoreContext): Promise<Store> {
  const target = parseDatabaseUrl(config.url);
  const password = passwordOf(config.url);
  // Imported here, not at the top: the driver is only loaded when a database URL is configured.
  const { default: pg } = await import('pg');
  const { PostgresStore } = await import('./postgres-store.js');
  const { migratePg } = await import('./migrations.js');
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'chimera',
  });
  // An idle connection dropped by the server (restart, failover) is reported here; without a listener the
  // process would crash. The pool replaces it on the next query.
  pool.on('error', (err) => {
    ctx.log.warn({ err: toChimeraError(err, target, password) }, 'postgres store: idle connection lost');
  });
  try {
    const client = await pool.connect();
    try {
      await migratePg(client);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw toChimeraError(err, target, password);
  }
  ctx.log.debug({ host: target.host, port: target.port, database: target.database }, 'postgres store open');
  return new PostgresStore(pool, target, password, ctx.log);
}

function passwordOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return decodeURIComponent(u.password) || u.searchParams.get('password') || undefined;
  } catch {
    return undefined;
  }
}
