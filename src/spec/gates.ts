import * as z from 'zod';
import { envName, httpUrl, oneOf } from './common.js';
import { duration, percent } from './units.js';

/**
 * Gates (`hooks`) and notification destinations of a canary spec. Secrets never sit in the spec itself: a URL
 * that carries a token is given as `urlEnv`, a signing key as `secretEnv`, both names of environment variables.
 */

/** Where in a rollout a hook runs. The first three hold the rollout until they pass; the last two only inform. */
export const HOOK_TYPES = [
  'pre-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/** Hook types that block the rollout until they pass. */
export const BLOCKING_HOOK_TYPES: readonly HookType[] = [
  'pre-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
];

/** The rollout log entry types a notification destination can filter on. */
export const NOTIFY_EVENTS = [
  'rollout-created',
  'deploy-started',
  'canary-ready',
  'step-advanced',
  'analysis',
  'paused',
  'resumed',
  'analysis-skipped',
  'promotion-started',
  'promoted',
  'rollback-started',
  'rolled-back',
  'failed',
  'gate-waiting',
  'gate-passed',
] as const;

const hookCommon = {
  name: z.string().min(1).max(100),
  type: oneOf(HOOK_TYPES),
  /** Per attempt for `http`; the whole wait for `approval`; the whole run for `load-test`. */
  timeout: duration({ min: 1, max: 7 * 24 * 3_600_000 }).prefault('10s'),
  /** Attempts after the first (with backoff) before the hook counts as failed. */
  retries: z.int().min(0).max(20).default(0),
  /** A failed blocking hook either holds the rollout (paused until resumed) or rolls it back. */
  onFailure: oneOf(['hold', 'rollback']).default('rollback'),
};

const httpHook = z
  .strictObject({
    kind: z.literal('http'),
    ...hookCommon,
    url: httpUrl.optional(),
    /** Environment variable holding the URL (when it carries a token). */
    urlEnv: envName.optional(),
    method: oneOf(['GET', 'POST']).default('POST'),
    /** Environment variable holding the key the request body is signed with (HMAC-SHA256). */
    secretEnv: envName.optional(),
  })
  .refine((h) => h.url !== undefined || h.urlEnv !== undefined, { error: `give 'url' or 'urlEnv'`, path: ['url'] });

const approvalHook = z.strictObject({
  kind: z.literal('approval'),
  ...hookCommon,
  timeout: duration({ min: 1000, max: 30 * 24 * 3_600_000 }).prefault('24h'),
});

const loadTestHook = z.strictObject({
  kind: z.literal('load-test'),
  ...hookCommon,
  timeout: duration({ min: 1000, max: 24 * 3_600_000 }).prefault('10m'),
  /** Where the load goes: the service's public address (the proxy), so the split applies. */
  url: httpUrl,
  rps: z.number().gt(0).max(100_000).default(20),
  duration: duration({ min: 100, max: 24 * 3_600_000 }).prefault('30s'),
  /** The hook fails when more of its requests fail (5xx or no answer) than this. */
  maxErrorRate: percent().prefault('5%'),
});

/** A gate: `kind` is `http` when omitted. */
export const hookConfig = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && !('kind' in v) ? { ...v, kind: 'http' } : v),
  z.discriminatedUnion('kind', [httpHook, approvalHook, loadTestHook], {
    error: (iss) => (iss.code === 'invalid_union' ? 'expected kind http, approval or load-test' : undefined),
  }),
);

const destination = {
  url: httpUrl.optional(),
  /** Environment variable holding the URL, so a secret webhook URL stays out of the spec. */
  urlEnv: envName.optional(),
  /** Event types sent to this destination; all when empty. */
  events: z.array(oneOf(NOTIFY_EVENTS)).default([]),
  /** Per attempt. */
  timeout: duration({ min: 1, max: 120_000 }).prefault('10s'),
  retries: z.int().min(0).max(10).default(3),
};

const giveUrl = { error: `give 'url' or 'urlEnv'`, path: ['url'] };
const hasUrl = (n: { url?: string | undefined; urlEnv?: string | undefined }) =>
  n.url !== undefined || n.urlEnv !== undefined;

export const notificationConfig = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('slack'), ...destination, channel: z.string().max(80).optional() })
    .refine(hasUrl, giveUrl),
  z.strictObject({ kind: z.literal('teams'), ...destination }).refine(hasUrl, giveUrl),
  z.strictObject({ kind: z.literal('discord'), ...destination }).refine(hasUrl, giveUrl),
  z
    .strictObject({
      kind: z.literal('webhook'),
      ...destination,
      /** Environment variable holding the HMAC-SHA256 key; the body is signed in `X-Chimera-Signature`. */
      secretEnv: envName.optional(),
    })
    .refine(hasUrl, giveUrl),
]);

export type HookConfig = z.output<typeof hookConfig>;
export type NotificationConfig = z.output<typeof notificationConfig>;
