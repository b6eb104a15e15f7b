import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { Endpoint } from '../ports/platform.js';
import { parseHostPort } from './address.js';

/** One version the proxy routes to. */
export interface BackendSpec {
  version: string;
  endpoints: Endpoint[];
}

/** What the proxy routes to: persisted to the state file and served by `GET /admin/routes`. */
export interface RouteState {
  stable: BackendSpec | null;
  canary: BackendSpec | null;
  /** Percent 0–100 of requests sent to the canary. */
  canaryWeight: number;
  /** Incremented on every change, so a reader can tell two states apart. */
  revision: number;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

export const EMPTY_ROUTES: RouteState = { stable: null, canary: null, canaryWeight: 0, revision: 0, updatedAt: 0 };

const endpointSchema = z.union([
  z.string().transform((s, ctx) => {
    try {
      const ep = parseHostPort(s, 'endpoint');
      if (ep.port === 0) throw new Error();
      return ep;
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected host:port with a port 1–65535, got '${s}'` });
      return z.NEVER;
    }
  }),
  z.strictObject({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[^\s/[\]]+$/, 'host must be a hostname or IP address'),
    port: z.number().int().min(1).max(65535),
  }),
]);

const backendSchema = z.strictObject({
  version: z.string().trim().min(1, 'version must not be empty').max(200),
  endpoints: z.array(endpointSchema).min(1, 'endpoints must not be empty').max(1000),
});

/** Body of `PUT /admin/routes`: each field present replaces the current value; `canary: null` removes it. */
export const routeUpdateSchema = z.strictObject({
  stable: backendSchema.optional(),
  canary: backendSchema.nullable().optional(),
  canaryWeight: z
    .number({ error: 'canaryWeight must be a number' })
    .min(0, 'canaryWeight must be between 0 and 100')
    .max(100, 'canaryWeight must be between 0 and 100')
    .optional(),
});

export type RouteUpdate = z.input<typeof routeUpdateSchema>;

function fail(message: string, issues: ConfigIssue[]): never {
  throw new ConfigError(message, issues);
}

/**
 * The state after applying `body` to `current`, or a ConfigError listing every problem (nothing changes).
 * Removing the canary resets its weight to 0: a weight with nobody to receive it would be a lie in `GET`.
 */
export function applyUpdate(current: RouteState, body: unknown, now: number): RouteState {
  const parsed = routeUpdateSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    fail(`invalid routes: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  const u = parsed.data;
  if (u.stable === undefined && u.canary === undefined && u.canaryWeight === undefined) {
    fail('invalid routes: give at least one of stable, canary, canaryWeight', [
      { path: '(body)', message: 'nothing to change' },
    ]);
  }
  const stable = u.stable ?? current.stable;
  const canary = u.canary === undefined ? current.canary : u.canary;
  const canaryWeight = canary === null ? 0 : (u.canaryWeight ?? current.canaryWeight);
  if (!stable) fail('invalid routes: set a stable backend first', [{ path: 'stable', message: 'required' }]);
  if (canary && canary.version === stable.version) {
    fail(`invalid routes: canary version '${canary.version}' is the stable version`, [
      { path: 'canary.version', message: 'must differ from stable.version' },
    ]);
  }
  if (!canary && u.canaryWeight !== undefined && u.canaryWeight > 0) {
    fail('invalid routes: canaryWeight > 0 needs a canary backend', [
      { path: 'canaryWeight', message: 'no canary backend to send it to' },
    ]);
  }
  return { stable, canary, canaryWeight, revision: current.revision + 1, updatedAt: now };
}
