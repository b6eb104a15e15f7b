import { describe, expect, it } from 'vitest';
import { percentTo, splitTargets, weightedTargets, withTargets } from './route-spec.js';

describe('App Mesh route weights', () => {
  it('rewrites the weighted targets of any route kind, keeping its match and retries', () => {
    const spec = {
      grpcRoute: {
        match: { serviceName: 'shop.Cart' },
        retryPolicy: { maxRetries: 2, perRetryTimeout: { unit: 's' as const, value: 1 } },
        action: { weightedTargets: [{ virtualNode: 'web', weight: 100 }] },
      },
    };
    const next = withTargets(spec, splitTargets('web', 'web-2', 30, 8080));
    expect(next.grpcRoute!.match).toEqual({ serviceName: 'shop.Cart' });
    expect(next.grpcRoute!.retryPolicy!.maxRetries).toBe(2);
    expect(weightedTargets(next)).toEqual([
      { virtualNode: 'web', weight: 70, port: 8080 },
      { virtualNode: 'web-2', weight: 30, port: 8080 },
    ]);
  });

  it('reads weights as shares of their sum', () => {
    expect(
      percentTo(
        [
          { virtualNode: 'a', weight: 1 },
          { virtualNode: 'b', weight: 3 },
        ],
        'b',
      ),
    ).toBe(75);
    expect(percentTo([], 'b')).toBe(0);
  });
});
