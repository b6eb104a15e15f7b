import * as z from 'zod';
import { envMap, urlPath } from '../../spec/common.js';
import { duration } from '../../spec/units.js';

/** A loopback port range `from`–`to` for the versions' instances (host networking: each binds its own port). */
export const portRange = z
  .strictObject({ from: z.number().int().min(1024).max(65535), to: z.number().int().min(1024).max(65535) })
  .refine((r) => r.to >= r.from, { error: 'ports.to must not be below ports.from' });

/** An HTTP check Chimera runs against each instance's port before calling it ready. */
export const httpHealthCheck = z.strictObject({
  path: urlPath.default('/healthz'),
  timeout: duration({ min: 50, max: 60_000 }).prefault('2s'),
});

/** Fields the Docker and Swarm platforms share. */
export const containerFields = {
  /** Docker engine socket; `DOCKER_HOST`'s unix path or /var/run/docker.sock when absent. */
  socketPath: z.string().startsWith('/').optional(),
  /** Image per version: `{{version}}` is replaced, e.g. `registry.local/shop:{{version}}`. */
  image: z.string().min(1).max(500),
  command: z.array(z.string().max(4096)).max(256).optional(),
  env: envMap.optional(),
  /** Instances per version when the rollout does not say. */
  replicas: z.number().int().min(0).max(100).default(1),
  ports: portRange.default({ from: 20000, to: 20999 }),
  /** Address the instances bind; passed as HOST, the port as PORT. Loopback by default. */
  host: z.string().default('127.0.0.1'),
  healthCheck: httpHealthCheck.optional(),
  /** Bound on each call to the engine. */
  timeout: duration({ min: 100, max: 600_000 }).prefault('30s'),
};

/**
 * `platform: { kind: docker, image: 'shop:{{version}}', healthCheck: { path: /healthz } }` — one container per
 * instance, host networking, each bound to its own loopback port.
 */
export const dockerPlatformConfig = z.strictObject({
  kind: z.literal('docker'),
  ...containerFields,
  /** Pull an image that is not present locally (`missing`), or never touch a registry (`never`). */
  pull: z.enum(['missing', 'never']).default('missing'),
});

export type DockerPlatformConfig = z.output<typeof dockerPlatformConfig>;
export type ContainerFields = z.output<z.ZodObject<typeof containerFields>>;
