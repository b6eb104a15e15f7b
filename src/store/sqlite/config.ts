import { z } from 'zod';

/**
 * The embedded store. `path` is the database file; relative paths are taken from the data folder, and the
 * default is `<dataDir>/chimera.db`.
 */
export const sqliteStoreConfig = z
  .object({
    kind: z.literal('sqlite'),
    path: z.string().min(1).optional(),
  })
  .strict();

export type SqliteStoreConfig = z.infer<typeof sqliteStoreConfig>;
