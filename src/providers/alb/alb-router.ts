import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsRunner } from '../../aws/call.js';
import { awsClientConfig } from '../../aws/client.js';
import { AwsProviderError } from '../../aws/errors.js';
import { ConfigError, ProviderError } from '../../errors.js';
import type { VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { AlbRouterConfig } from './config.js';
import { describeTargets, forwardTargets, percentTo, splitTargets, withForward } from './forward-action.js';

export interface AlbRouterOptions {
  retryBaseDelayMs?: number;
}

/** ALB router: one listener rule (or the default action) forwarding to the two versions' target groups. */
export class AlbRouter implements TrafficRouter {
  readonly kind = 'alb';
  private readonly client: ElasticLoadBalancingV2Client;
  private readonly aws: AwsRunner;
  private backends?: { stable: VersionStatus; stableTg: string; canary?: VersionStatus; canaryTg?: string };

  constructor(
    private readonly config: AlbRouterConfig,
    private readonly ctx: ProviderContext,
    opts: AlbRouterOptions = {},
  ) {
    this.client = new ElasticLoadBalancingV2Client(awsClientConfig(config));
    this.aws = new AwsRunner('alb', config.maxAttempts, opts.retryBaseDelayMs);
  }

  /** Points the forward action at both target groups, keeping the canary's current share. */
  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    const stableTg = targetGroupOf(backends.stable);
    const canaryTg = backends.canary ? targetGroupOf(backends.canary) : undefined;
    if (canaryTg === stableTg) {
      throw new ProviderError(
        `stable and canary share target group ${stableTg}: the ALB cannot tell them apart`,
        'alb',
        false,
      );
    }
    this.backends = { stable: backends.stable, stableTg, canary: backends.canary, canaryTg };
    const actions = await this.actions(signal);
    const current = forwardTargets(actions);
    const named = new Set(current.map((t) => t.TargetGroupArn));
    const wanted = [stableTg, canaryTg].filter((t): t is string => t !== undefined);
    if (named.size === wanted.length && wanted.every((t) => named.has(t)) && this.stickinessMatches(actions)) return;
    await this.apply(actions, splitTargets(stableTg, canaryTg, percentTo(current, canaryTg)), signal);
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    checkWeight(canaryWeight);
    if (!this.backends) {
      throw new ProviderError(
        'the ALB router was asked for a weight before reconcile named the versions',
        'alb',
        false,
      );
    }
    const { stableTg, canaryTg } = this.backends;
    if (canaryWeight > 0 && !canaryTg) {
      throw new ProviderError(`cannot send ${canaryWeight}% to a canary: reconcile named none`, 'alb', false);
    }
    await this.apply(await this.actions(signal), splitTargets(stableTg, canaryTg, canaryWeight), signal);
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const targets = forwardTargets(await this.actions(signal));
    // A fresh process has not been told which group is the canary; Chimera always writes [stable, canary].
    const canaryTg = this.backends ? this.backends.canaryTg : targets[1]?.TargetGroupArn;
    const applied: AppliedRoutes = { canaryWeight: percentTo(targets, canaryTg) };
    if (this.backends) {
      applied.stableVersion = this.backends.stable.version;
      if (this.backends.canary) applied.canaryVersion = this.backends.canary.version;
    }
    return applied;
  }

  /** Everything to `stable`'s target group. The groups themselves stay: versions alternate between them. */
  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    const stableTg = targetGroupOf(stable);
    await this.apply(await this.actions(signal), splitTargets(stableTg, undefined, 0), signal);
    this.backends = { stable, stableTg };
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  private what(): string {
    return this.config.ruleArn
      ? `listener rule ${this.config.ruleArn}`
      : `default action of listener ${this.config.listenerArn}`;
  }

  private async actions(signal: AbortSignal): Promise<Action[]> {
    if (this.config.ruleArn) {
      const out = await this.aws.run('DescribeRules', this.what(), signal, (s) =>
        this.client.send(new DescribeRulesCommand({ RuleArns: [this.config.ruleArn!] }), { abortSignal: s }),
      );
      const rule = out.Rules?.[0];
      if (!rule) throw this.missing('DescribeRules');
      return rule.Actions ?? [];
    }
    const out = await this.aws.run('DescribeListeners', this.what(), signal, (s) =>
      this.client.send(new DescribeListenersCommand({ ListenerArns: [this.config.listenerArn] }), { abortSignal: s }),
    );
    const listener = out.Listeners?.[0];
    if (!listener) throw this.missing('DescribeListeners');
    return listener.DefaultActions ?? [];
  }

  /** Writes the weights unless they are there already, then reads them back to verify. */
  private async apply(actions: Action[], targets: ReturnType<typeof splitTargets>, signal: AbortSignal): Promise<void> {
    if (describeTargets(forwardTargets(actions)) === describeTargets(targets) && this.stickinessMatches(actions))
      return;
    const next = withForward(actions, targets, this.config.stickiness);
    if (this.config.ruleArn) {
      await this.aws.run('ModifyRule', this.what(), signal, (s) =>
        this.client.send(new ModifyRuleCommand({ RuleArn: this.config.ruleArn, Actions: next }), { abortSignal: s }),
      );
    } else {
      await this.aws.run('ModifyListener', this.what(), signal, (s) =>
        this.client.send(new ModifyListenerCommand({ ListenerArn: this.config.listenerArn, DefaultActions: next }), {
          abortSignal: s,
        }),
      );
    }
    const after = forwardTargets(await this.actions(signal));
    if (describeTargets(after) !== describeTargets(targets)) {
      throw new ProviderError(
        `${this.what()} did not take the new weights (read back ${describeTargets(after)})`,
        'alb',
        true,
      );
    }
    this.ctx.log.debug({ targets: describeTargets(targets) }, 'ALB weights applied');
  }

  private stickinessMatches(actions: Action[]): boolean {
    const cfg = actions.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroupStickinessConfig;
    const want = this.config.stickiness;
    if (want === undefined) return !cfg?.Enabled;
    return cfg?.Enabled === true && cfg.DurationSeconds === Math.max(1, Math.round(want / 1000));
  }

  private missing(operation: string): AwsProviderError {
    return new AwsProviderError(
      `${this.what()} does not exist (${operation})`,
      'alb',
      'not-found',
      operation,
      'NotFound',
    );
  }
}

function targetGroupOf(status: VersionStatus): string {
  const tg = status.refs.targetGroupArn;
  if (!tg) {
    throw new ProviderError(
      `version ${status.version} has no target group: run it behind the load balancer (ECS service loadBalancers)`,
      'alb',
      false,
    );
  }
  return tg;
}

/** A weight outside 0–100 is a caller's mistake: rejected before anything is sent to AWS. */
function checkWeight(w: number): void {
  if (!Number.isFinite(w) || w < 0 || w > 100) {
    throw new ConfigError(`canary weight must be a percentage from 0 to 100, got ${w}`);
  }
}
