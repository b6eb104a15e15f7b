import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/notify/http.js';
import { shopSpec, until, world, type World } from './world.js';

const SECRET = 'trigger-secret-for-tests';

/** Real server + controller (fake ports): the trigger endpoint as CI and registries call it. */
describe('POST /api/v1/triggers/:name', () => {
  let w: World;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chimera-triggers-'));
    const file = join(dir, 'triggers.yaml');
    await writeFile(
      file,
      `triggers:
  - { name: ci, format: chimera, secretEnv: TEST_TRIGGER_SECRET }
  - { name: gh, format: github, secretEnv: TEST_TRIGGER_SECRET, service: shop, image: shop }
  - { name: hub, format: dockerhub, secretEnv: TEST_TRIGGER_SECRET, service: shop, image: acme/shop }
  - { name: ecr, format: ecr, secretEnv: TEST_TRIGGER_SECRET, service: shop, image: shop }
`,
    );
    process.env.TEST_TRIGGER_SECRET = SECRET;
    process.env.CHIMERA_TRIGGERS = file;
    w = await world();
    delete process.env.CHIMERA_TRIGGERS;
    await w.app.chimera.specs.save(shopSpec(), 'test');
  });
  afterAll(async () => {
    await w.close();
  });

  function signed(body: object, opts: { ts?: number; secret?: string; delivery?: string } = {}) {
    const raw = JSON.stringify(body);
    const ts = String(Math.floor((opts.ts ?? Date.now()) / 1000));
    return {
      method: 'POST' as const,
      url: '/api/v1/triggers/ci',
      payload: raw,
      headers: {
        'content-type': 'application/json',
        'x-chimera-timestamp': ts,
        'x-chimera-signature': signBody(opts.secret ?? SECRET, ts, raw),
        ...(opts.delivery ? { 'x-chimera-delivery': opts.delivery } : {}),
      },
    };
  }

  const rollouts = () => w.store.list({ service: 'shop' });

  it('refuses a bad signature with 401 and starts nothing', async () => {
    const res = await w.app.inject(signed({ service: 'shop', version: 'v2' }, { secret: 'wrong' }));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect(res.body).not.toContain(SECRET);
    expect(await rollouts()).toEqual([]);
  });

  it('refuses a stale timestamp with 401 and starts nothing', async () => {
    const res = await w.app.inject(signed({ service: 'shop', version: 'v2' }, { ts: Date.now() - 10 * 60_000 }));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toContain('replay window');
    expect(await rollouts()).toEqual([]);
  });

  it('refuses a body changed after signing', async () => {
    const req = signed({ service: 'shop', version: 'v2' });
    const res = await w.app.inject({ ...req, payload: req.payload.replace('v2', 'v3') });
    expect(res.statusCode).toBe(401);
    expect(await rollouts()).toEqual([]);
  });

  it('refuses an unsigned request and an unknown trigger', async () => {
    const res = await w.app.inject({
      method: 'POST',
      url: '/api/v1/triggers/ci',
      payload: { service: 'shop', version: 'v2' },
    });
    expect(res.statusCode).toBe(401);
    expect((await w.app.inject(signed({}))).statusCode).toBe(400);
    const unknown = await w.app.inject({ ...signed({ service: 'shop', version: 'v2' }), url: '/api/v1/triggers/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(await rollouts()).toEqual([]);
  });

  it('refuses a body over the size limit', async () => {
    const res = await w.app.inject(signed({ service: 'shop', version: 'v2', pad: 'x'.repeat(300 * 1024) }));
    expect(res.statusCode).toBe(413);
    expect(await rollouts()).toEqual([]);
  });

  it('a signed delivery starts one rollout; duplicate deliveries (sequential and concurrent) start no other', async () => {
    const first = signed({ service: 'shop', version: 'v2' }, { delivery: 'd-1' });
    const answers = await Promise.all([w.app.inject(first), w.app.inject(first), w.app.inject(first)]);
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([200, 200, 202]);
    const ids = new Set(answers.map((a) => a.json<{ rolloutId: string }>().rolloutId));
    expect(ids.size).toBe(1);
    // A redelivery with a fresh signature and timestamp but the same delivery id.
    const again = await w.app.inject(signed({ service: 'shop', version: 'v2' }, { delivery: 'd-1' }));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true });
    const list = await rollouts();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ toVersion: 'v2', fromVersion: 'v1' });
    w.pump();
    await until(async () => (await w.store.get(list[0]!.id))?.phase === 'succeeded');
  });

  it('a GitHub package published event (X-Hub-Signature-256) starts a rollout of its tag', async () => {
    const raw = JSON.stringify({
      action: 'published',
      package: {
        name: 'shop',
        package_version: { version: 'sha256:abc', container_metadata: { tag: { name: 'v3' } } },
      },
    });
    const sig = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const headers = { 'content-type': 'application/json', 'x-github-event': 'package', 'x-github-delivery': 'g-1' };
    const bad = await w.app.inject({
      method: 'POST',
      url: '/api/v1/triggers/gh',
      payload: raw,
      headers: { ...headers, 'x-hub-signature-256': 'sha256=00' },
    });
    expect(bad.statusCode).toBe(401);
    const ok = await w.app.inject({
      method: 'POST',
      url: '/api/v1/triggers/gh',
      payload: raw,
      headers: { ...headers, 'x-hub-signature-256': sig },
    });
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toMatchObject({ service: 'shop', version: 'v3' });
    await until(async () => (await w.store.get(ok.json<{ rolloutId: string }>().rolloutId))?.phase === 'succeeded');
  });

  it('a Docker Hub push (token in the query) starts a rollout; other repositories are ignored', async () => {
    const push = (repo: string, tag: string) => ({
      push_data: { tag, pushed_at: Math.floor(Date.now() / 1000) },
      repository: { repo_name: repo },
    });
    const noToken = await w.app.inject({
      method: 'POST',
      url: '/api/v1/triggers/hub',
      payload: push('acme/shop', 'v4'),
    });
    expect(noToken.statusCode).toBe(401);
    const other = await w.app.inject({
      method: 'POST',
      url: `/api/v1/triggers/hub?token=${SECRET}`,
      payload: push('acme/cart', 'v4'),
    });
    expect(other.statusCode).toBe(202);
    expect(other.json()).toMatchObject({ ignored: true });
    const ok = await w.app.inject({
      method: 'POST',
      url: `/api/v1/triggers/hub?token=${SECRET}`,
      payload: push('acme/shop', 'v4'),
    });
    expect(ok.statusCode).toBe(202);
    await until(async () => (await w.store.get(ok.json<{ rolloutId: string }>().rolloutId))?.phase === 'succeeded');
  });

  it('an ECR push via EventBridge (token header) starts a rollout; a stale event is refused', async () => {
    const event = (time: string) => ({
      id: `e-${time}`,
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      time,
      detail: { result: 'SUCCESS', 'repository-name': 'shop', 'image-tag': 'v5', 'action-type': 'PUSH' },
    });
    const headers = { 'x-chimera-token': SECRET };
    const stale = await w.app.inject({
      method: 'POST',
      url: '/api/v1/triggers/ecr',
      headers,
      payload: event(new Date(Date.now() - 3_600_000).toISOString()),
    });
    expect(stale.statusCode).toBe(400);
    const ok = await w.app.inject({
      method: 'POST',
      url: '/api/v1/triggers/ecr',
      headers,
      payload: event(new Date().toISOString()),
    });
    expect(ok.statusCode).toBe(202);
    expect(ok.json()).toMatchObject({ version: 'v5' });
    await until(async () => (await w.store.get(ok.json<{ rolloutId: string }>().rolloutId))?.phase === 'succeeded');
  });
});
