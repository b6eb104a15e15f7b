import { readFile } from 'node:fs/promises';
import { ConfigError, ProviderError } from '../../errors.js';
import { readOrCreateToken } from '../../proxy/token.js';

/**
 * The admin token: from the configured environment variable, else the token file in the data folder (the
 * router creates it before starting the proxy; the metric provider only reads it). Cached once read.
 */
export function tokenSource(tokenEnv: string | undefined, tokenFile: string, create: boolean): () => Promise<string> {
  let cached: Promise<string> | undefined;
  const load = async (): Promise<string> => {
    if (tokenEnv) {
      const value = process.env[tokenEnv]?.trim();
      if (!value) throw new ConfigError(`tokenEnv: environment variable ${tokenEnv} is not set`);
      return value;
    }
    if (create) return readOrCreateToken(tokenFile);
    try {
      return (await readFile(tokenFile, 'utf8')).trim();
    } catch (err) {
      throw new ProviderError(
        `cannot read the proxy token ${tokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}); the router creates it when it starts the proxy`,
        'builtin-proxy',
        true,
      );
    }
  };
  return () => {
    cached ??= load().catch((err: unknown) => {
      cached = undefined; // a token file written later must be picked up
      throw err;
    });
    return cached;
  };
}
