import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { readOrCreateToken, tokenMatches } from './token.js';

describe('admin token', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given no token file, creates one with mode 0600 and random content, then reads the same back', async () => {
    const file = join(dir, 'proxy', 'web', 'token');
    const a = await readOrCreateToken(file);
    const b = await readOrCreateToken(file);
    expect(a).toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(40);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readOrCreateToken(join(dir, 'other'))).not.toBe(a);
    expect((await readFile(file, 'utf8')).trim()).toBe(a);
  });

  it('given an empty token file, refuses with a ConfigError', async () => {
    const file = join(dir, 'empty');
    await writeFile(file, '\n');
    await expect(readOrCreateToken(file)).rejects.toBeInstanceOf(ConfigError);
  });

  it('matches only "Bearer <token>" with the exact token', () => {
    expect(tokenMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('Bearer s3cret2', 's3cret')).toBe(false);
    expect(tokenMatches('Bearer ', 's3cret')).toBe(false);
    expect(tokenMatches('s3cret', 's3cret')).toBe(false);
    expect(tokenMatches(undefined, 's3cret')).toBe(false);
  });
});
