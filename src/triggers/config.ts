import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as z from 'zod';
import { ConfigError, errorMessage } from '../errors.js';
import { dnsLabel, envName, oneOf } from '../spec/common.js';
import { duration } from '../spec/units.js';

/**
 * Incoming triggers, one per URL `POST /api/v1/triggers/<name>`. The secret is always an environment variable.
 *
 * | format   | sender                              | authenticated by                                         |
 * | -------- | ----------------------------------- | -------------------------------------------------------- |
 * | chimera  | CI, scripts (`{service, version}`)  | `X-Chimera-Signature` HMAC over `<timestamp>.<body>` + `X-Chimera-Timestamp` in the replay window |
 * | github   | GitHub `package` webhook            | `X-Hub-Signature-256` HMAC over the body; `X-GitHub-Delivery` dedups |
 * | dockerhub| Docker Hub repository webhook       | `token` query parameter (Docker Hub cannot sign); `pushed_at` in the window |
 * | ecr      | ECR push via EventBridge API destination | `X-Chimera-Token` header (connection API key); event `time` in the window |
 */
export const triggerConfig = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'a trigger name is lowercase letters, digits, dashes' }),
  format: oneOf(['chimera', 'github', 'dockerhub', 'ecr']).default('chimera'),
  secretEnv: envName,
  /** The service a registry event rolls out (chimera-format bodies name their service; it must match when set). */
  service: dnsLabel.optional(),
  /** Only events for this repository/package name start a rollout (registry formats). */
  image: z.string().min(1).max(256).optional(),
  /** How old a delivery may be (and how long its id is remembered for de-duplication). */
  replayWindow: duration({ min: 1000, max: 24 * 3_600_000 }).prefault('5m'),
});

export const triggersFile = z.strictObject({ triggers: z.array(triggerConfig).max(100) });

export type TriggerConfig = z.output<typeof triggerConfig>;

/** Reads a triggers YAML file (`triggers: [...]`); problems are a ConfigError naming the file and field. */
export function loadTriggersFile(path: string): TriggerConfig[] {
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read triggers file ${path}: ${errorMessage(err)}`);
  }
  const r = triggersFile.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new ConfigError(`${path}: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  const names = new Set<string>();
  for (const t of r.data.triggers) {
    if (names.has(t.name)) throw new ConfigError(`${path}: trigger '${t.name}' is defined twice`);
    names.add(t.name);
    if (t.format !== 'chimera' && !t.service) {
      throw new ConfigError(`${path}: trigger '${t.name}': a ${t.format} trigger needs 'service'`);
    }
  }
  return r.data.triggers;
}
