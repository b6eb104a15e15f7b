import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { applyUpdate, EMPTY_ROUTES, type RouteState } from './routes.js';

const stable = { version: 'v1', endpoints: ['127.0.0.1:8001'] };
const canary = { version: 'v2', endpoints: [{ host: '::1', port: 8002 }, '[::1]:8003'] };

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('applyUpdate', () => {
  const base: RouteState = applyUpdate(EMPTY_ROUTES, { stable, canary, canaryWeight: 10 }, 1);

  it('given stable, canary and a weight, then endpoints are parsed and the revision grows', () => {
    expect(base.stable).toEqual({ version: 'v1', endpoints: [{ host: '127.0.0.1', port: 8001 }] });
    expect(base.canary?.endpoints).toEqual([
      { host: '::1', port: 8002 },
      { host: '::1', port: 8003 },
    ]);
    expect(base.canaryWeight).toBe(10);
    expect(base.revision).toBe(1);
  });

  it('when only the weight is given, then backends are kept; decimals are allowed', () => {
    const next = applyUpdate(base, { canaryWeight: 12.5 }, 2);
    expect(next).toMatchObject({ stable: base.stable, canary: base.canary, canaryWeight: 12.5, revision: 2 });
  });

  it('when the canary is removed, then its weight goes back to 0', () => {
    expect(applyUpdate(base, { canary: null }, 2)).toMatchObject({ canary: null, canaryWeight: 0 });
  });

  it.each([
    [{ canaryWeight: -1 }, 'canaryWeight'],
    [{ canaryWeight: 100.5 }, 'canaryWeight'],
    [{ canaryWeight: '50' }, 'canaryWeight'],
    [{ stable: { version: '', endpoints: ['127.0.0.1:1'] } }, 'stable.version'],
    [{ stable: { version: 'v1', endpoints: [] } }, 'stable.endpoints'],
    [{ stable: { version: 'v1', endpoints: ['localhost'] } }, 'stable.endpoints.0'],
    [{ stable: { version: 'v1', endpoints: ['127.0.0.1:0'] } }, 'stable.endpoints.0'],
    [{ canary: { version: 'v1', endpoints: ['127.0.0.1:1'] } }, 'canary.version'],
    [{ weight: 5 }, '(body)'],
    [{}, '(body)'],
    ['not an object', '(body)'],
  ])('when the body is %j, then a ConfigError names %s', (body, path) => {
    const issues = issuesOf(() => applyUpdate(base, body, 2));
    expect(issues.some((i) => i.startsWith(`${path}:`))).toBe(true);
  });

  it('given no canary, then a positive weight is refused', () => {
    const noCanary = applyUpdate(EMPTY_ROUTES, { stable }, 1);
    expect(issuesOf(() => applyUpdate(noCanary, { canaryWeight: 5 }, 2))[0]).toMatch(/^canaryWeight:/);
  });

  it('given no stable backend yet, then a canary alone is refused', () => {
    expect(issuesOf(() => applyUpdate(EMPTY_ROUTES, { canary }, 1))[0]).toMatch(/^stable:/);
  });
});
