import * as z from 'zod';
import { awsConnectionFields, awsNameSchema } from '../../aws/config.js';

/**
 * `platform.kind: ecs` — versions run as ECS services beside each other, cloned from the stable one.
 *
 * @example
 * platform:
 *   kind: ecs
 *   region: eu-west-1
 *   cluster: shop
 *   service: web                 # the ECS service that runs today; versions become web-<version>
 *   container: app               # the container whose image changes
 *   image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:{version}
 */
export const ecsPlatformConfig = z
  .object({
    kind: z.literal('ecs'),
    ...awsConnectionFields,
    /** ECS cluster name or ARN. */
    cluster: z.string().min(1),
    /** Base name: the existing (seed) ECS service, and the prefix of every version's service, family and node. */
    service: awsNameSchema,
    /** Container that gets the new image; by default the only container that is not the Envoy sidecar. */
    container: z.string().min(1).optional(),
    /** Image of a version; `{version}` is replaced by the version being deployed. */
    image: z.string().min(1).includes('{version}', { message: 'must contain {version}' }),
    /** Name of the Envoy sidecar container (App Mesh). Its settings are kept; its virtual node is renamed. */
    envoyContainer: z.string().min(1).default('envoy'),
    /** Tasks per version; by default as many as the stable service wants. */
    replicas: z.number().int().min(0).max(1000).optional(),
    /**
     * `service`: one ECS service per version (ECS deployment controller).
     * `task-set`: one task set per version inside the seed service (EXTERNAL deployment controller).
     */
    flavour: z.enum(['service', 'task-set']).default('service'),
    /**
     * Two ALB target groups that versions alternate between (as CodeDeploy blue/green does): the canary gets
     * the one the stable version does not use. Required when the stable service sits behind a load balancer.
     */
    targetGroupArns: z.tuple([z.string().min(1), z.string().min(1)]).optional(),
    /** Count only tasks Cloud Map reports HEALTHY as ready, when the service registers in Cloud Map. */
    cloudMapHealth: z.boolean().default(true),
  })
  .strict();

export type EcsConfig = z.output<typeof ecsPlatformConfig>;
export type EcsConfigInput = z.input<typeof ecsPlatformConfig>;
