import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, errorMessage } from '../errors.js';
import { applyUpdate, EMPTY_ROUTES, type RouteState } from './routes.js';

/**
 * Reads the persisted routes; a missing file means "no backends yet". A file that does not parse or validate
 * stops the proxy with a ConfigError naming it: serving with a guessed split would be worse than not starting.
 */
export async function loadRoutes(file: string): Promise<RouteState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_ROUTES;
    throw new ConfigError(`cannot read proxy state file ${file}: ${errorMessage(err)}`);
  }
  try {
    const raw = JSON.parse(text) as Partial<RouteState>;
    const state = applyUpdate(
      EMPTY_ROUTES,
      { stable: raw.stable ?? undefined, canary: raw.canary, canaryWeight: raw.canaryWeight },
      0,
    );
    return { ...state, revision: Number(raw.revision) || 1, updatedAt: Number(raw.updatedAt) || 0 };
  } catch (err) {
    throw new ConfigError(`proxy state file ${file} is not valid (${errorMessage(err)}); fix or remove it`);
  }
}

/**
 * Writes the routes atomically: a temporary file in the same folder, fsync, rename. A crash at any instant leaves
 * either the old or the new file, never a torn one.
 */
export async function saveRoutes(file: string, state: RouteState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify({ format: 1, ...state }, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
