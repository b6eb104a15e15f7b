import { z } from 'zod';

/**
 * The shared store for more than one Chimera replica: a Postgres database given by URL
 * (`postgres://user:password@host:5432/db`, the usual libpq URL; `?sslmode=` and `?options=` are honoured).
 * `poolSize` bounds the connections one process holds: the controller writes a few rows per step, so a small
 * pool is plenty and many replicas stay far below the server's `max_connections`.
 */
export const postgresStoreConfig = z
  .object({
    kind: z.literal('postgres'),
    url: z.string().min(1),
    poolSize: z.number().int().min(1).max(50).optional(),
    /** How long to wait for a connection (TCP, TLS, authentication) before the call fails as retriable. */
    connectTimeoutMs: z.number().int().min(100).max(120_000).optional(),
  })
  .strict();

export type PostgresStoreConfig = z.infer<typeof postgresStoreConfig>;

/** Default pool size: one connection for the controller, one for readers, spare for a compare-and-set loop. */
export const DEFAULT_POOL_SIZE = 4;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
