import * as z from 'zod';
import { containerFields } from '../docker/config.js';

/**
 * `platform: { kind: swarm, image: 'shop:{{version}}' }` — one Swarm service per version with host networking,
 * bound to its own port (one task per node: host networking gives every task of a service the same port).
 */
export const swarmPlatformConfig = z.strictObject({
  kind: z.literal('swarm'),
  ...containerFields,
});

export type SwarmPlatformConfig = z.output<typeof swarmPlatformConfig>;
