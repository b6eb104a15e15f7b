import type * as z from 'zod';
import { notificationConfig, type NotificationConfig } from '../../spec/gates.js';

/** The `kind: slack` notification destination (schema shared with the spec's `notifications` list). */
export const slackConfig = notificationConfig.options.find((o) => o.def.shape.kind.value === 'slack')!;
export type SlackConfig = Extract<NotificationConfig, { kind: 'slack' }>;
export type SlackConfigInput = z.input<typeof slackConfig>;
