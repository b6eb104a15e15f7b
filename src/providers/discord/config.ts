import type * as z from 'zod';
import { notificationConfig, type NotificationConfig } from '../../spec/gates.js';

/** The `kind: discord` notification destination (schema shared with the spec's `notifications` list). */
export const discordConfig = notificationConfig.options.find((o) => o.def.shape.kind.value === 'discord')!;
export type DiscordConfig = Extract<NotificationConfig, { kind: 'discord' }>;
export type DiscordConfigInput = z.input<typeof discordConfig>;
