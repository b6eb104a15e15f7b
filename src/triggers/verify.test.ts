import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody } from '../notify/http.js';
import { interpret } from './adapters.js';
import { triggerConfig } from './config.js';
import { verifyDelivery } from './verify.js';

const now = Date.UTC(2026, 0, 1);
const trig = (over: object = {}) => triggerConfig.parse({ name: 'ci', secretEnv: 'S', ...over });

describe('verifyDelivery', () => {
  const raw = Buffer.from('{"service":"shop","version":"v2"}');
  const ts = String(now / 1000);
  const base = { trigger: trig(), secret: 'k', query: {}, raw, now };

  it('accepts a good chimera signature and refuses tampering, other keys and stale or future timestamps', () => {
    const sig = signBody('k', ts, raw);
    expect(
      verifyDelivery({ ...base, headers: { 'x-chimera-timestamp': ts, 'x-chimera-signature': sig } }),
    ).toBeUndefined();
    expect(
      verifyDelivery({
        ...base,
        raw: Buffer.from('{}'),
        headers: { 'x-chimera-timestamp': ts, 'x-chimera-signature': sig },
      }),
    ).toBe('bad signature');
    expect(
      verifyDelivery({
        ...base,
        headers: { 'x-chimera-timestamp': ts, 'x-chimera-signature': signBody('x', ts, raw) },
      }),
    ).toBe('bad signature');
    for (const off of [-301, 301]) {
      const t = String(now / 1000 + off);
      expect(
        verifyDelivery({
          ...base,
          headers: { 'x-chimera-timestamp': t, 'x-chimera-signature': signBody('k', t, raw) },
        }),
      ).toMatch(/replay/);
    }
    expect(verifyDelivery({ ...base, headers: {} })).toMatch(/missing/);
  });

  it('checks GitHub signatures and registry tokens', () => {
    const gh = { ...base, trigger: trig({ format: 'github', service: 'shop' }) };
    const good = `sha256=${createHmac('sha256', 'k').update(raw).digest('hex')}`;
    expect(verifyDelivery({ ...gh, headers: { 'x-hub-signature-256': good } })).toBeUndefined();
    expect(verifyDelivery({ ...gh, headers: { 'x-hub-signature-256': good.slice(0, -1) } })).toBe('bad signature');
    const hub = { ...base, trigger: trig({ format: 'dockerhub', service: 'shop' }), headers: {} };
    expect(verifyDelivery({ ...hub, query: { token: 'k' } })).toBeUndefined();
    expect(verifyDelivery({ ...hub, query: { token: 'kk' } })).toBe('bad token');
  });
});

describe('interpret', () => {
  const raw = Buffer.from('x');
  it('reads service and version, refuses bad versions and other services', () => {
    expect(interpret(trig(), { service: 'shop', version: 'v2' }, {}, raw, now)).toMatchObject({
      kind: 'start',
      service: 'shop',
      version: 'v2',
    });
    expect(interpret(trig(), { service: 'shop', version: 'v 2' }, {}, raw, now)).toMatchObject({ kind: 'invalid' });
    expect(interpret(trig({ service: 'cart' }), { service: 'shop', version: 'v2' }, {}, raw, now)).toMatchObject({
      kind: 'invalid',
    });
    expect(interpret(trig(), [1, 2], {}, raw, now)).toMatchObject({ kind: 'invalid' });
  });

  it('ignores registry events that are not a successful push of a tag', () => {
    const ecr = trig({ format: 'ecr', service: 'shop' });
    const ev = (action: string) => ({
      'detail-type': 'ECR Image Action',
      time: new Date(now).toISOString(),
      detail: { 'action-type': action, result: 'SUCCESS', 'image-tag': 'v3' },
    });
    expect(interpret(ecr, ev('DELETE'), {}, raw, now)).toMatchObject({ kind: 'ignore' });
    expect(interpret(ecr, ev('PUSH'), {}, raw, now)).toMatchObject({ kind: 'start', version: 'v3' });
    const gh = trig({ format: 'github', service: 'shop' });
    expect(interpret(gh, { action: 'updated' }, { 'x-github-event': 'package' }, raw, now)).toMatchObject({
      kind: 'ignore',
    });
  });
});
