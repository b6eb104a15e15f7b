import type { Notification, Notifier } from '../ports/notifier.js';
import { secretFromEnv, sendJson, validateOutgoingUrl, type OutgoingOptions } from './http.js';

/** The fields every notification destination shares (see `notificationConfig` in the spec). */
export interface DestinationConfig {
  kind: string;
  url?: string | undefined;
  urlEnv?: string | undefined;
  events: readonly string[];
  timeout: number;
  retries: number;
}

/**
 * A destination reached by one JSON POST: the URL is resolved (spec or environment) and validated when the
 * notifier is created, so a bad destination is a ConfigError before any rollout starts, never mid-way.
 */
export class JsonWebhookNotifier implements Notifier {
  readonly kind: string;
  readonly events?: readonly string[];
  private readonly url: string;

  constructor(
    config: DestinationConfig,
    private readonly render: (n: Notification) => unknown,
    private readonly extra: Pick<OutgoingOptions, 'secret' | 'allowLoopback' | 'backoffMs'> = {},
  ) {
    this.kind = config.kind;
    if (config.events.length > 0) this.events = [...config.events];
    this.url = config.url ?? secretFromEnv(config.urlEnv, `${config.kind} notification URL`) ?? '';
    validateOutgoingUrl(this.url, extra.allowLoopback);
    this.timeoutMs = config.timeout;
    this.retries = config.retries;
  }

  private readonly timeoutMs: number;
  private readonly retries: number;

  async notify(notification: Notification, signal: AbortSignal): Promise<void> {
    await sendJson(
      this.url,
      this.render(notification),
      { timeoutMs: this.timeoutMs, retries: this.retries, ...this.extra },
      signal,
    );
  }

  async close(): Promise<void> {}

  /** Never print the URL: incoming-webhook URLs are secrets. */
  toJSON(): object {
    return { kind: this.kind, events: this.events ?? 'all' };
  }
}
