import type * as z from 'zod';
import { notificationConfig, type NotificationConfig } from '../../spec/gates.js';

/** The `kind: webhook` notification destination (schema shared with the spec's `notifications` list). */
export const webhookConfig = notificationConfig.options.find((o) => o.def.shape.kind.value === 'webhook')!;
export type WebhookConfig = Extract<NotificationConfig, { kind: 'webhook' }>;
export type WebhookConfigInput = z.input<typeof webhookConfig>;
