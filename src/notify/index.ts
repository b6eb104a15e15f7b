import { ConfigError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { ProviderContext } from '../providers/context.js';
import type { NotificationConfig } from '../spec/gates.js';

export * from './http.js';
export { buildMessage, plainText, type Message } from './message.js';

type Factory = (config: never, ctx: ProviderContext) => Promise<Notifier>;

/** Each notification kind's factory, loaded on first use. A missing kind here is a compile error. */
const FACTORIES: { [K in NotificationConfig['kind']]: () => Promise<Factory> } = {
  slack: async () => (await import('../providers/slack/index.js')).createNotifier,
  teams: async () => (await import('../providers/teams/index.js')).createNotifier,
  discord: async () => (await import('../providers/discord/index.js')).createNotifier,
  webhook: async () => (await import('../providers/webhook/index.js')).createNotifier,
};

/** The notifiers a spec's `notifications` list names; a missing env variable or bad URL is a ConfigError. */
export async function createNotifiers(
  configs: readonly NotificationConfig[],
  ctx: ProviderContext,
): Promise<Notifier[]> {
  const out: Notifier[] = [];
  for (const [i, c] of configs.entries()) {
    const load = FACTORIES[c.kind];
    if (!load)
      throw new ConfigError(
        `notifications[${i}]: unknown kind '${String(c.kind)}'; valid kinds: ${Object.keys(FACTORIES).join(', ')}`,
      );
    try {
      out.push(await (await load())(c as never, ctx));
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`notifications[${i}] (${c.kind}): ${err.message}`);
      throw err;
    }
  }
  return out;
}
