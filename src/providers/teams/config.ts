import type * as z from 'zod';
import { notificationConfig, type NotificationConfig } from '../../spec/gates.js';

/** The `kind: teams` notification destination (schema shared with the spec's `notifications` list). */
export const teamsConfig = notificationConfig.options.find((o) => o.def.shape.kind.value === 'teams')!;
export type TeamsConfig = Extract<NotificationConfig, { kind: 'teams' }>;
export type TeamsConfigInput = z.input<typeof teamsConfig>;
