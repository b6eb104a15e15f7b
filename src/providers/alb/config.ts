import * as z from 'zod';
import { awsConnectionFields } from '../../aws/config.js';
import { duration } from '../../spec/units.js';

const elbArn = (what: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[^:]+:\\d{12}:${what}/`), {
    error: `expected an ELBv2 ${what} ARN (arn:aws:elasticloadbalancing:<region>:<account>:${what}/…)`,
  });

/**
 * `router.kind: alb` — shifts traffic with an Application Load Balancer forward action that weights two target
 * groups (the stable and the canary version's, from the platform's `refs.targetGroupArn`). The successor of
 * App Mesh routes for ECS users.
 *
 * @example
 * router:
 *   kind: alb
 *   region: eu-west-1
 *   listenerArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2
 *   ruleArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
 *   stickiness: 10m
 */
export const albRouterConfig = z.strictObject({
  kind: z.literal('alb'),
  ...awsConnectionFields,
  /** The listener whose traffic is split. */
  listenerArn: elbArn('listener'),
  /** A rule of that listener to weight; without it, the listener's default action is weighted. */
  ruleArn: elbArn('listener-rule').optional(),
  /** Keep a client on the version it first reached for this long (target group stickiness, 1s–7d). */
  stickiness: duration({ min: 1_000, max: 7 * 24 * 3600 * 1000 }).optional(),
});

export type AlbRouterConfig = z.output<typeof albRouterConfig>;
