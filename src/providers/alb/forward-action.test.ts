import { describe, expect, it } from 'vitest';
import { forwardTargets, percentTo, splitTargets, withForward } from './forward-action.js';

describe('ALB forward actions', () => {
  it('reads a plain forward as one group and weighted forwards as shares', () => {
    expect(forwardTargets([{ Type: 'forward', TargetGroupArn: 'a' }])).toEqual([{ TargetGroupArn: 'a', Weight: 1 }]);
    const t = splitTargets('a', 'b', 25);
    expect(t).toEqual([
      { TargetGroupArn: 'a', Weight: 75 },
      { TargetGroupArn: 'b', Weight: 25 },
    ]);
    expect(percentTo(t, 'b')).toBe(25);
    expect(percentTo([{ TargetGroupArn: 'a', Weight: 0 }], 'a')).toBe(0);
  });

  it('replaces only the forward action, keeping authentication before it', () => {
    const auth = { Type: 'authenticate-oidc' as const, Order: 1, AuthenticateOidcConfig: undefined };
    const next = withForward(
      [auth, { Type: 'forward', Order: 2, TargetGroupArn: 'a' }],
      splitTargets('a', 'b', 10),
      600_000,
    );
    expect(next[0]).toBe(auth);
    expect(next[1]).toEqual({
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: 'a', Weight: 90 },
          { TargetGroupArn: 'b', Weight: 10 },
        ],
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
      },
    });
  });
});
