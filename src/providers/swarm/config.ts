import * as z from 'zod';
import { containerFields } from '../docker/config.js';

/**
 * `platform: { kind: swarm, image: 'shop:{{version}}' }` — one one-task Swarm service per instance, host
 * networking, each bound to its own port (the tasks of one service would all get the same PORT).
 */
export const swarmPlatformConfig = z.strictObject({
  kind: z.literal('swarm'),
  ...containerFields,
});

export type SwarmPlatformConfig = z.output<typeof swarmPlatformConfig>;
