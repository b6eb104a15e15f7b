import * as z from 'zod';
import { envMap, urlPath, versionName } from '../../spec/common.js';
import { duration, show } from '../../spec/units.js';

/**
 * The command a version runs: an array is exec'd as-is (no shell), a string is run by `/bin/sh -c`.
 * Written by hand to give one clear message instead of a union's two.
 */
const command = z.unknown().transform((input, ctx): string | string[] => {
  if (input === undefined) {
    ctx.issues.push({ code: 'custom', input, message: `missing required field 'command'` });
    return z.NEVER;
  }
  if (typeof input === 'string' && input.trim() !== '') return input;
  if (Array.isArray(input) && input.length > 0) {
    const bad = input.findIndex((part) => typeof part !== 'string' || part === '');
    if (bad === -1) return input as string[];
    ctx.issues.push({
      code: 'custom',
      input,
      path: [bad],
      message: `expected a non-empty string, got ${show(input[bad])}`,
    });
    return z.NEVER;
  }
  ctx.issues.push({
    code: 'custom',
    input,
    message: `expected a command: a string run by /bin/sh -c, or a non-empty array like ["node", "server.js"], got ${show(input)}`,
  });
  return z.NEVER;
});

/** Settings one version may override (`versions: { v3: { env: { FAIL_RATE: "0.2" } } }`). */
const versionOverride = z.strictObject({
  command: command.optional(),
  env: envMap.optional(),
});

/**
 * The `local` platform: each version runs as `replicas` child processes of `command`, with `PORT` and `VERSION`
 * in the environment and `${PORT}` / `${VERSION}` substituted in `command` and `env`. Durations are milliseconds.
 */
export const localPlatformConfig = z.strictObject({
  kind: z.literal('local'),
  command,
  /** Working directory; the loader makes it absolute, relative to the spec file's folder. */
  cwd: z.string().min(1).default('.'),
  env: envMap.default({}),
  /** Per-version overrides of `command` and `env`, keyed by version name. */
  versions: z.record(versionName, versionOverride).default({}),
  replicas: z.int().min(1).max(20).default(1),
  readiness: z
    .strictObject({
      path: urlPath.default('/healthz'),
      /** ms an instance has to answer its readiness path with 2xx. */
      timeout: duration({ min: 100 }).prefault('30s'),
      /** ms between readiness probes. */
      interval: duration({ min: 10 }).prefault('200ms'),
    })
    .prefault({}),
  restart: z
    .strictObject({
      /** Crash restarts per instance before the instance is marked failed. */
      maxRestarts: z.int().min(0).max(100).default(5),
      /** ms before the first restart; doubles on each further crash. */
      backoff: duration().prefault('500ms'),
    })
    .prefault({}),
});

export type LocalPlatformConfig = z.output<typeof localPlatformConfig>;
