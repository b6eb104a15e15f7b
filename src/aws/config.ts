import * as z from 'zod';
import { duration } from '../spec/units.js';

/**
 * Where and how Chimera reaches AWS; shared by every AWS provider's config (`ecs`, `appmesh`, `alb`,
 * `cloudwatch`). Credentials are never part of a spec: they come from the standard AWS chain (environment,
 * shared profile, SSO, container or instance role), so a spec file can be committed safely.
 */
export const awsConnectionFields = {
  /** AWS region, e.g. `eu-west-1`. Falls back to AWS_REGION / AWS_DEFAULT_REGION when omitted. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1')
    .optional(),
  /** Endpoint override (moto, LocalStack, a VPC endpoint). Only for testing or private endpoints. */
  endpoint: z.url().optional(),
  /** Shared-config profile to take credentials from (otherwise the default chain). */
  profile: z.string().min(1).optional(),
  /** Attempts per AWS call for throttling and transient failures (first try included). */
  maxAttempts: z.number().int().min(1).max(10).default(5),
  /** Time one HTTP request to AWS may take (`15s`); becomes milliseconds. */
  requestTimeout: duration({ min: 100, max: 120_000 }).prefault('15s'),
};

export const awsConnectionSchema = z.object(awsConnectionFields);
export type AwsConnection = z.output<typeof awsConnectionSchema>;

/** Valid AWS resource-name characters for ECS services, task definition families and App Mesh nodes. */
export const awsNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'letters, digits, hyphens and underscores only');
