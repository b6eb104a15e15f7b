import { secretFromEnv } from '../../notify/http.js';
import { JsonWebhookNotifier } from '../../notify/webhook-notifier.js';
import type { Notification, Notifier } from '../../ports/notifier.js';
import type { ProviderContext } from '../context.js';
import type { WebhookConfig } from './config.js';

export const kind = 'webhook';

/**
 * Generic webhook: the notification as JSON, signed with HMAC-SHA256 when `secretEnv` is set
 * (`X-Chimera-Timestamp`, `X-Chimera-Signature: sha256=<hex of HMAC(secret, "<timestamp>.<body>")>`).
 */
export function createNotifier(config: WebhookConfig, _ctx?: ProviderContext): Promise<Notifier> {
  // A bad URL or a missing variable rejects (a ConfigError), as the factories of other providers do.
  return Promise.resolve().then(() => {
    const secret = secretFromEnv(config.secretEnv, 'webhook notification secret');
    return new JsonWebhookNotifier(config, webhookPayload, secret !== undefined ? { secret } : {});
  });
}

export function webhookPayload(n: Notification): object {
  return { event: n.entry.type, rollout: n.rollout, entry: n.entry, ...(n.url ? { url: n.url } : {}) };
}
