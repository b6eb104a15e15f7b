import { buildMessage } from '../../notify/message.js';
import { JsonWebhookNotifier } from '../../notify/webhook-notifier.js';
import type { Notification, Notifier } from '../../ports/notifier.js';
import type { ProviderContext } from '../context.js';
import type { TeamsConfig } from './config.js';

export const kind = 'teams';

/** Microsoft Teams (a Workflows or incoming webhook URL): one Adaptive Card. */
export function createNotifier(config: TeamsConfig, _ctx?: ProviderContext): Promise<Notifier> {
  // A bad URL or a missing variable rejects (a ConfigError), as the factories of other providers do.
  return Promise.resolve().then(() => {
    return new JsonWebhookNotifier(config, teamsPayload);
  });
}

export function teamsPayload(n: Notification): object {
  const m = buildMessage(n);
  const color = m.tone === 'bad' ? 'Attention' : m.tone === 'good' ? 'Good' : 'Default';
  const card = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', wrap: true, color },
      { type: 'TextBlock', text: m.reason, wrap: true },
      { type: 'FactSet', facts: m.facts.map((f) => ({ title: f.name, value: f.value })) },
    ],
    ...(m.url ? { actions: [{ type: 'Action.OpenUrl', title: 'Open rollout', url: m.url }] } : {}),
  };
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}
