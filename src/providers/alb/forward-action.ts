import type { Action, TargetGroupTuple } from '@aws-sdk/client-elastic-load-balancing-v2';

/** Weighted target groups of the forward action among `actions` (a plain forward counts as weight 1). */
export function forwardTargets(actions: Action[] | undefined): TargetGroupTuple[] {
  const forward = actions?.find((a) => a.Type === 'forward');
  if (!forward) return [];
  if (forward.ForwardConfig?.TargetGroups?.length) return forward.ForwardConfig.TargetGroups;
  return forward.TargetGroupArn ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }] : [];
}

/** Percent of requests a target group receives under these weights. */
export function percentTo(targets: TargetGroupTuple[], arn: string | undefined): number {
  const total = targets.reduce((sum, t) => sum + (t.Weight ?? 1), 0);
  if (!arn || total === 0) return 0;
  return (targets.filter((t) => t.TargetGroupArn === arn).reduce((sum, t) => sum + (t.Weight ?? 1), 0) / total) * 100;
}

/** `[stable 100-w, canary w]`, or stable alone when there is no canary. ALB weights are integers 0–999. */
export function splitTargets(stable: string, canary: string | undefined, canaryWeight: number): TargetGroupTuple[] {
  const w = Math.round(canaryWeight);
  if (!canary) return [{ TargetGroupArn: stable, Weight: 100 }];
  return [
    { TargetGroupArn: stable, Weight: 100 - w },
    { TargetGroupArn: canary, Weight: w },
  ];
}

/**
 * The same actions with the forward action replaced by a weighted one; authentication or other actions that
 * come before it keep their place and order.
 */
export function withForward(
  actions: Action[] | undefined,
  targets: TargetGroupTuple[],
  stickinessMs?: number,
): Action[] {
  const forward: Action = {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: targets,
      TargetGroupStickinessConfig:
        stickinessMs === undefined
          ? { Enabled: false }
          : { Enabled: true, DurationSeconds: Math.max(1, Math.round(stickinessMs / 1000)) },
    },
  };
  const list = actions ?? [];
  const i = list.findIndex((a) => a.Type === 'forward');
  if (i === -1)
    return [...list, { ...forward, Order: (list.length ? Math.max(...list.map((a) => a.Order ?? 0)) : 0) + 1 }];
  const kept = list[i]!;
  return list.map((a, j) => (j === i ? { ...forward, ...(kept.Order !== undefined ? { Order: kept.Order } : {}) } : a));
}

/** Text form for comparing and for messages: `arn…/stable=90,arn…/canary=10`. */
export function describeTargets(targets: TargetGroupTuple[]): string {
  return targets
    .map((t) => `${(t.TargetGroupArn ?? '').split(':').pop()}=${t.Weight ?? 1}`)
    .sort()
    .join(',');
}
