import { buildMessage, cut, escapeMarkup } from '../../notify/message.js';
import { JsonWebhookNotifier } from '../../notify/webhook-notifier.js';
import type { Notification, Notifier } from '../../ports/notifier.js';
import type { ProviderContext } from '../context.js';
import type { DiscordConfig } from './config.js';

export const kind = 'discord';

/** Discord webhook: one embed with the evidence as inline fields; mentions are disabled. */
export function createNotifier(config: DiscordConfig, _ctx?: ProviderContext): Promise<Notifier> {
  // A bad URL or a missing variable rejects (a ConfigError), as the factories of other providers do.
  return Promise.resolve().then(() => {
    return new JsonWebhookNotifier(config, discordPayload);
  });
}

export function discordPayload(n: Notification): object {
  const m = buildMessage(n);
  const color = m.tone === 'bad' ? 0xd93f0b : m.tone === 'good' ? 0x2ea043 : 0x1f6feb;
  return {
    // Text from a rollout must never ping anyone.
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: cut(m.title, 256),
        description: cut(escapeMarkup(m.reason), 4000),
        color,
        ...(m.url ? { url: m.url } : {}),
        fields: m.facts.slice(0, 25).map((f) => ({ name: f.name, value: f.value || '-', inline: true })),
      },
    ],
  };
}
