import * as z from 'zod';
import { duration } from '../../spec/units.js';

/**
 * `router: { kind: haproxy, runtimeApi: /run/haproxy/admin.sock, backend: web }` — splits traffic between two
 * servers of one HAProxy backend, `stable` and `canary` (names configurable), through the Runtime API.
 */
export const haproxyRouterConfig = z.strictObject({
  kind: z.literal('haproxy'),
  /**
   * Runtime API address: a UNIX socket path (`/run/haproxy/admin.sock`, or `unix:/…`) or `tcp://127.0.0.1:9999`.
   * HAProxy must expose it with `level admin` to accept weight changes.
   */
  runtimeApi: z.string().regex(/^(unix:)?\/\S+$|^tcp:\/\/\S+:\d{1,5}$/, {
    error: 'expected a socket path like /run/haproxy/admin.sock or an address like tcp://127.0.0.1:9999',
  }),
  /** The backend holding the two servers; the service name when absent. */
  backend: z
    .string()
    .regex(/^[A-Za-z0-9._:-]+$/)
    .optional(),
  stableServer: z
    .string()
    .regex(/^[A-Za-z0-9._:-]+$/)
    .default('stable'),
  canaryServer: z
    .string()
    .regex(/^[A-Za-z0-9._:-]+$/)
    .default('canary'),
  /** Bound on each Runtime API command. */
  timeout: duration({ min: 100, max: 60_000 }).prefault('5s'),
});

export type HaproxyRouterConfig = z.output<typeof haproxyRouterConfig>;
