import type { GatePoint, RolloutState } from '../core/rollout.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { startLoad } from '../loadgen/index.js';
import { secretFromEnv, sendJson, sleep, validateOutgoingUrl } from '../notify/http.js';
import type { Store } from '../ports/store.js';
import type { HookConfig } from '../spec/gates.js';
import { clearApproval, takeApproval } from './approvals.js';

/** What running a gate point's hooks came to. */
export interface GateOutcome {
  passed: boolean;
  reason: string;
  /** The failing hook's policy (the strictest when several fail). */
  onFailure: 'hold' | 'rollback';
}

export interface GateRunnerOptions {
  hooks: readonly HookConfig[];
  store: Store;
  log: Logger;
  /** Link to the rollout page, sent to HTTP hooks. */
  rolloutUrl?: (id: string) => string | undefined;
  /** How often a waiting approval checks the store (default 500 ms). */
  approvalPollMs?: number;
  /** First retry delay of HTTP hooks (default 1 s, doubling up to 10 s). */
  backoffMs?: number;
  allowLoopback?: boolean;
}

/**
 * Runs the hooks of one gate point, in spec order, stopping at the first that fails. An HTTP hook passes on a
 * 2xx within its timeout, after up to `retries` more attempts with backoff; an approval passes when someone
 * approves within its timeout; a load test passes when its error rate stays within `maxErrorRate`.
 * Secrets (URLs from `urlEnv`, keys from `secretEnv`) are read here and never appear in reasons or logs.
 */
export class GateRunner {
  constructor(private readonly opts: GateRunnerOptions) {
    // Fail fast on a bad or missing secret: before any rollout starts, not at its first gate.
    for (const h of opts.hooks) if (h.kind === 'http') this.httpTarget(h);
  }

  /** Gate points with at least one hook (for the plan). */
  points(): GatePoint[] {
    return [...new Set(this.opts.hooks.map((h) => h.type))];
  }

  async run(point: GatePoint, state: RolloutState, signal: AbortSignal): Promise<GateOutcome> {
    const hooks = this.opts.hooks.filter((h) => h.type === point);
    const passed: string[] = [];
    for (const hook of hooks) {
      let verdict: { ok: boolean; why: string };
      try {
        verdict = await this.runHook(hook, point, state, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        verdict = { ok: false, why: errorMessage(err).split('\n')[0] ?? 'error' };
      }
      this.opts.log.info({ hook: hook.name, point, ok: verdict.ok }, 'gate hook finished');
      if (!verdict.ok)
        return { passed: false, reason: `hook '${hook.name}' ${verdict.why}`, onFailure: hook.onFailure };
      passed.push(`'${hook.name}' ${verdict.why}`);
    }
    return { passed: true, reason: passed.join('; ') || 'no hooks', onFailure: 'rollback' };
  }

  private async runHook(
    hook: HookConfig,
    point: GatePoint,
    state: RolloutState,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; why: string }> {
    switch (hook.kind) {
      case 'http':
        return this.http(hook, point, state, signal);
      case 'approval':
        return this.approval(hook, point, state, signal);
      case 'load-test':
        return this.loadTest(hook, signal);
    }
  }

  private httpTarget(h: Extract<HookConfig, { kind: 'http' }>): { url: string; secret?: string } {
    const url = h.url ?? secretFromEnv(h.urlEnv, `hook '${h.name}' URL`) ?? '';
    validateOutgoingUrl(url, this.opts.allowLoopback);
    const secret = secretFromEnv(h.secretEnv, `hook '${h.name}' secret`);
    return secret === undefined ? { url } : { url, secret };
  }

  private async http(
    h: Extract<HookConfig, { kind: 'http' }>,
    point: GatePoint,
    state: RolloutState,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; why: string }> {
    const { url, secret } = this.httpTarget(h);
    const link = this.opts.rolloutUrl?.(state.id);
    const payload = {
      hook: h.name,
      type: point,
      rollout: {
        id: state.id,
        service: state.service,
        fromVersion: state.fromVersion,
        toVersion: state.toVersion,
        phase: state.phase,
        weight: state.weight,
        step: state.stepIndex + 1,
        steps: state.plan.steps.length,
      },
      ...(link ? { url: link } : {}),
    };
    const res = await sendJson(
      url,
      payload,
      {
        method: h.method,
        timeoutMs: h.timeout,
        retries: h.retries,
        backoffMs: this.opts.backoffMs ?? 1000,
        maxResponseBytes: 4096,
        ...(secret !== undefined ? { secret } : {}),
        ...(this.opts.allowLoopback !== undefined ? { allowLoopback: this.opts.allowLoopback } : {}),
      },
      signal,
    );
    return { ok: true, why: `answered ${res.status}${res.attempts > 1 ? ` after ${res.attempts} attempts` : ''}` };
  }

  private async approval(
    h: Extract<HookConfig, { kind: 'approval' }>,
    point: GatePoint,
    state: RolloutState,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; why: string }> {
    const deadline = Date.now() + h.timeout;
    const poll = this.opts.approvalPollMs ?? 500;
    for (;;) {
      const a = await takeApproval(this.opts.store, state.id, point);
      if (a) return { ok: a.approved, why: `${a.approved ? 'approved' : 'rejected'} by ${a.by}` };
      if (Date.now() >= deadline) {
        await clearApproval(this.opts.store, state.id);
        return { ok: false, why: `not approved within ${Math.round(h.timeout / 1000)}s` };
      }
      await sleep(Math.min(poll, Math.max(1, deadline - Date.now())), signal);
    }
  }

  private async loadTest(
    h: Extract<HookConfig, { kind: 'load-test' }>,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; why: string }> {
    const load = startLoad({
      url: h.url,
      rps: h.rps,
      durationMs: h.duration,
      signal: AbortSignal.any([signal, AbortSignal.timeout(h.timeout)]),
    });
    const s = await load.done;
    signal.throwIfAborted();
    const bad = s.byClass['5xx'] + s.failed;
    const rate = s.sent > 0 ? (bad / s.sent) * 100 : 100;
    const why = `sent ${s.sent} requests, ${bad} failed (${rate.toFixed(2)}%, limit ${h.maxErrorRate}%)`;
    return { ok: s.sent > 0 && rate <= h.maxErrorRate, why };
  }
}
