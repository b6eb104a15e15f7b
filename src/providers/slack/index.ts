import { buildMessage, cut, escapeMarkup } from '../../notify/message.js';
import { JsonWebhookNotifier } from '../../notify/webhook-notifier.js';
import type { Notification, Notifier } from '../../ports/notifier.js';
import type { ProviderContext } from '../context.js';
import type { SlackConfig } from './config.js';

export const kind = 'slack';

/** Slack incoming webhook: a header line, the reason, the evidence as fields and a button to the rollout page. */
export function createNotifier(config: SlackConfig, _ctx?: ProviderContext): Promise<Notifier> {
  // A bad URL or a missing variable rejects (a ConfigError), as the factories of other providers do.
  return Promise.resolve().then(() => {
    return new JsonWebhookNotifier(config, (n) => slackPayload(n, config.channel));
  });
}

export function slackPayload(n: Notification, channel?: string): object {
  const m = buildMessage(n);
  const icon = m.tone === 'bad' ? ':red_circle:' : m.tone === 'good' ? ':large_green_circle:' : ':large_blue_circle:';
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(m.title, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: `${icon} ${escapeMarkup(m.reason)}` } },
  ];
  if (m.facts.length > 0) {
    blocks.push({
      type: 'section',
      // Slack allows at most 10 fields per section.
      fields: m.facts
        .slice(0, 10)
        .map((f) => ({ type: 'mrkdwn', text: `*${escapeMarkup(f.name)}*\n${escapeMarkup(f.value)}` })),
    });
  }
  if (m.url) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open rollout' }, url: m.url }],
    });
  }
  return { text: `${m.title}: ${m.reason}`, blocks, ...(channel ? { channel } : {}) };
}
