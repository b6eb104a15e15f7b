import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { ROLES } from '../auth/roles.js';

/** Request bodies and query strings, validated with zod; the OpenAPI document is generated from these too. */
const COMMANDS = ['pause', 'resume', 'promote', 'abort', 'skip-analysis'] as const;
const name = z.string().min(1).max(253);

export const loginBody = z.object({ token: z.string().min(1).max(200) }).strict();
export const specBody = z
  .object({
    yaml: z
      .string()
      .min(1)
      .max(1024 * 1024),
  })
  .strict();
export const startBody = z
  .object({
    service: name,
    version: z.string().min(1).max(128).optional(),
    /** A spec to register (replacing the service's) before starting; needs the admin role. */
    yaml: z
      .string()
      .min(1)
      .max(1024 * 1024)
      .optional(),
  })
  .strict();
export const commandBody = z.object({ command: z.enum(COMMANDS) }).strict();
export const tokenBody = z.object({ role: z.enum(ROLES), name: z.string().min(1).max(80).optional() }).strict();
export const rolloutQuery = z.object({
  service: name.optional(),
  phase: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export const eventsQuery = z.object({ after: z.coerce.number().int().min(0).optional() });
export const streamQuery = z.object({
  service: name.optional(),
  rollout: name.optional(),
  /** Comma-separated event types to receive (default all). */
  types: z
    .string()
    .max(50)
    .regex(/^(state|log|metrics)(,(state|log|metrics))*$/, 'a comma-separated list of state, log, metrics')
    .optional(),
  /** For clients that cannot set the Last-Event-ID header on their first connection. */
  lastEventId: z.string().max(100).optional(),
});

/** Validates `value`, turning zod's issues into a ConfigError (HTTP 400) naming each bad field. */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown, what = 'request body'): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues: ConfigIssue[] = r.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  throw new ConfigError(`invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}
