import * as z from 'zod';
import { envName, httpUrl, oneOf } from './common.js';
import { duration } from './units.js';

/**
 * Room for issue 7 (gates and notifications). These schemas check what is already certain and let unknown
 * fields through (`looseObject`), so the gates' owner can add fields without breaking specs written today.
 */

export const HOOK_TYPES = [
  'pre-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
] as const;

export const hookConfig = z.looseObject({
  name: z.string().min(1).max(100),
  type: oneOf(HOOK_TYPES),
  url: httpUrl,
  /** ms per attempt. */
  timeout: duration({ min: 1, max: 3_600_000 }).prefault('10s'),
  retries: z.int().min(0).max(20).default(0),
});

export const notificationConfig = z
  .looseObject({
    kind: z.string().min(1),
    url: httpUrl.optional(),
    /** Environment variable holding the URL, so a secret webhook URL stays out of the spec. */
    urlEnv: envName.optional(),
    /** Event types sent to this destination; all when empty. */
    events: z.array(z.string().min(1)).default([]),
  })
  .refine((n) => n.url !== undefined || n.urlEnv !== undefined, {
    error: `give 'url' or 'urlEnv'`,
    path: ['url'],
  });

export type HookConfig = z.output<typeof hookConfig>;
export type NotificationConfig = z.output<typeof notificationConfig>;
