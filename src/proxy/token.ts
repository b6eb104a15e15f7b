import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * The admin token stored in `file`; when the file does not exist, creates it (mode 0600, folder 0700) with 32
 * random bytes. `wx` makes the creation race-free: when the router and a proxy it just spawned both get here,
 * one writes and both read the same token.
 */
export async function readOrCreateToken(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, randomBytes(32).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const token = (await readFile(file, 'utf8')).trim();
  if (!token) throw new ConfigError(`token file ${file} is empty`);
  return token;
}

/** Compares a presented bearer token with the expected one in constant time (hashing equalises lengths). */
export function tokenMatches(authorization: string | undefined, expected: string): boolean {
  if (!authorization?.startsWith('Bearer ')) return false;
  const given = createHash('sha256').update(authorization.slice(7).trim()).digest();
  const want = createHash('sha256').update(expected).digest();
  return timingSafeEqual(given, want);
}
