import * as z from 'zod';
import { awsConnectionFields, awsNameSchema } from '../../aws/config.js';

/**
 * `router.kind: appmesh` — shifts traffic with an App Mesh route's `weightedTargets` (the original Chimera's way).
 * App Mesh reached end of support on 2026-09-30: see docs/providers/aws.md for moving to `alb`.
 *
 * @example
 * router:
 *   kind: appmesh
 *   region: eu-west-1
 *   mesh: shop
 *   virtualRouter: web-router
 *   route: web-route
 */
export const appMeshRouterConfig = z
  .object({
    kind: z.literal('appmesh'),
    ...awsConnectionFields,
    mesh: awsNameSchema,
    virtualRouter: awsNameSchema,
    route: awsNameSchema,
    /** Account that owns a shared mesh, when it is not the caller's. */
    meshOwner: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
  })
  .strict();

export type AppMeshConfig = z.output<typeof appMeshRouterConfig>;
