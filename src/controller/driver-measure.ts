import type { Measurement } from '../core/measurement.js';
import type { RolloutEvent, RolloutState } from '../core/rollout.js';
import { errorMessage } from '../errors.js';
import type { MetricProvider } from '../ports/metric-provider.js';
import type { Platform } from '../ports/platform.js';
import { target } from './effect-runner.js';

/**
 * What the driver reads from the outside world each cycle, turned into the engine's input events: the canary's
 * readiness while it deploys, and the metrics while traffic is split. Kept apart from the loop so the loop reads
 * as "when" and these as "what".
 */

/** The canary's rollout status as a `canary-status` event; throws when the platform cannot tell. */
export async function readCanaryStatus(
  platform: Platform,
  state: RolloutState,
  signal: AbortSignal,
): Promise<RolloutEvent> {
  const s = await platform.status(target(state, 'canary'), signal);
  return {
    type: 'canary-status',
    ready: s.ready,
    desired: s.desired,
    ...(s.failed ? { failed: true } : {}),
    ...(s.message ? { message: s.message } : {}),
  };
}

/**
 * Reads both versions' metrics since the analysis started. Never throws: providers return failures as values,
 * and an exception is still a failed reading, never a pass. Each read is capped at 30 s.
 */
export async function readMeasurement(
  metrics: MetricProvider,
  state: RolloutState,
  now: number,
  signal: AbortSignal,
): Promise<Measurement> {
  try {
    return await metrics.measure(
      {
        service: state.service,
        stableVersion: state.fromVersion,
        canaryVersion: state.toVersion,
        since: state.analysis.startedAt ?? state.createdAt,
        now,
      },
      AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
    );
  } catch (err) {
    return { phase: 'error', at: now, reason: errorMessage(err) };
  }
}
