import { afterEach, describe, expect, it } from 'vitest';
import { createNotifiers, signBody, validateOutgoingUrl } from '../../src/notify/index.js';
import { silentLogger } from '../../src/logger.js';
import { describeNotifierConformance, sampleNotification } from '../../src/ports/notifier.conformance.js';
import { parseSpec } from '../../src/spec/load.js';
import type { NotificationConfig } from '../../src/spec/gates.js';
import { receiver, shopSpec, until, world, type World } from '../triggers/world.js';

process.env.CHIMERA_ALLOW_LOOPBACK_URLS = '1';
const ctx = { service: 'shop', dataDir: '/tmp', log: silentLogger };

async function notifierFor(kind: NotificationConfig['kind'], url: string, extra: object = {}) {
  const [n] = await createNotifiers([{ kind, url, events: [], timeout: 5000, retries: 2, ...extra }], ctx);
  return n!;
}

for (const kind of ['slack', 'teams', 'discord', 'webhook'] as const) {
  describeNotifierConformance(kind, async () => {
    let failing = 0;
    const r = await receiver(() => (failing > 0 ? (failing--, 503) : 200));
    return {
      notifier: await notifierFor(kind, r.url),
      received: () => Promise.resolve(r.got.length),
      failNext: (n: number) => {
        failing = n;
      },
      cleanup: () => r.close(),
    };
  });
}

describe('notification payloads on a loopback receiver', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('slack: a readable message with outcome, reason, evidence and the rollout link', async () => {
    const r = await receiver();
    closers.push(() => r.close());
    await (
      await notifierFor('slack', r.url, { channel: '#deploys' })
    ).notify(sampleNotification(), AbortSignal.timeout(10_000));
    const body = JSON.parse(r.got[0]!.body) as { text: string; channel: string; blocks: unknown[] };
    expect(body.channel).toBe('#deploys');
    expect(body.text).toContain('checkout: v1 → v2 rolling back');
    expect(body.text).toContain('5.1% errors');
    const blocks = JSON.stringify(body.blocks);
    expect(blocks).toContain('canaryErrors');
    expect(blocks).toContain('https://chimera.example/rollouts/checkout-1');
  });

  it('webhook: HMAC-SHA256 signature header over timestamp and body', async () => {
    process.env.TEST_NOTIFY_SECRET = 'notify-secret';
    const r = await receiver();
    closers.push(() => r.close());
    await (
      await notifierFor('webhook', r.url, { secretEnv: 'TEST_NOTIFY_SECRET' })
    ).notify(sampleNotification(), AbortSignal.timeout(10_000));
    const got = r.got[0]!;
    const ts = String(got.headers['x-chimera-timestamp']);
    expect(got.headers['x-chimera-signature']).toBe(signBody('notify-secret', ts, got.body));
    expect(JSON.parse(got.body)).toMatchObject({ event: 'rollback-started', rollout: { service: 'checkout' } });
    expect(got.body).not.toContain('notify-secret');
  });

  it('teams and discord payloads carry the title and link', async () => {
    const r = await receiver();
    closers.push(() => r.close());
    await (await notifierFor('teams', r.url)).notify(sampleNotification(), AbortSignal.timeout(10_000));
    await (await notifierFor('discord', r.url)).notify(sampleNotification(), AbortSignal.timeout(10_000));
    expect(r.got[0]!.body).toContain('AdaptiveCard');
    expect(r.got[1]!.body).toContain('"allowed_mentions":{"parse":[]}');
    for (const g of r.got) expect(g.body).toContain('https://chimera.example/rollouts/checkout-1');
  });

  it('a 4xx is final (no retry); a missing URL variable or plain http elsewhere is a ConfigError', async () => {
    let calls = 0;
    const r = await receiver(() => (++calls, 404));
    closers.push(() => r.close());
    await expect(
      (await notifierFor('slack', r.url)).notify(sampleNotification(), AbortSignal.timeout(10_000)),
    ).rejects.toThrow(/HTTP 404/);
    expect(calls).toBe(1);
    await expect(
      createNotifiers([{ kind: 'slack', urlEnv: 'NOT_SET_ANYWHERE', events: [], timeout: 1000, retries: 0 }], ctx),
    ).rejects.toThrow(/NOT_SET_ANYWHERE is not set/);
    expect(() => validateOutgoingUrl('http://example.com/x')).toThrow(/https/);
    expect(() => validateOutgoingUrl('http://127.0.0.1:1/x', false)).toThrow(/loopback/);
    expect(() => validateOutgoingUrl('https://user:pw@example.com/x')).toThrow(/credentials/);
  });
});

describe('notifications during a rollout', () => {
  let w: World | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await w?.close();
    for (const c of closers.splice(0)) await c();
  });

  it('filters events per destination, and a destination that is down never blocks the rollout', async () => {
    const good = await receiver();
    const down = await receiver(() => 500);
    closers.push(
      () => good.close(),
      () => down.close(),
    );
    const notifiers = await createNotifiers(
      [
        { kind: 'webhook', url: good.url, events: ['promoted'], timeout: 2000, retries: 0 },
        { kind: 'slack', url: down.url, events: [], timeout: 2000, retries: 1 },
      ],
      ctx,
    );
    w = await world({ notifiers });
    const [loaded] = parseSpec(shopSpec());
    w.pump();
    const id = (await w.controller.start(loaded!, undefined, 'test')).id;
    await until(async () => (await w!.store.get(id))?.phase === 'succeeded' && good.got.length === 1);
    const body = JSON.parse(good.got[0]!.body) as { event: string; url: string };
    expect(body.event).toBe('promoted');
    expect(body.url).toBe(`https://chimera.example/rollouts/${id}`);
  });
});
