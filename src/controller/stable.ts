import { ConfigError, ProviderError } from '../errors.js';
import type { Clock } from './clock.js';
import type { RolloutPorts } from './rollout-ports.js';

/**
 * Before a rollout starts, the stable version must serve and the router must send it all traffic. A stable
 * version that already runs is adopted as it is (deploy is idempotent). One that cannot become ready stops the
 * rollout before anything about it is recorded, and what we started for it is removed again: bad input changes
 * nothing.
 */
export async function ensureStable(
  ports: RolloutPorts,
  service: string,
  version: string,
  timeoutMs: number,
  clock: Clock,
): Promise<void> {
  const target = { service, version, role: 'stable' as const };
  const signal = AbortSignal.timeout(timeoutMs + 30_000);
  const before = await ports.platform.status(target, signal);
  const startedHere = before.ready === 0;
  try {
    await ports.platform.deploy(target, signal);
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const s = await ports.platform.status(target, signal);
      if (s.failed) {
        // The spec's command or image is wrong: a configuration problem the user must fix (exit 2).
        throw new ConfigError(`stable version ${version} of '${service}' cannot start: ${s.message ?? 'failed'}`);
      }
      if (s.desired > 0 && s.ready >= s.desired) {
        await ports.router.reconcile({ stable: s }, signal);
        await ports.router.setWeight(0, signal);
        await checkMetrics(ports, signal);
        return;
      }
      if (clock.now() >= deadline) {
        throw new ProviderError(
          `stable version ${version} of '${service}' not ready after ${Math.round(timeoutMs / 1000)}s ` +
            `(${s.ready}/${s.desired} ready${s.message ? `: ${s.message}` : ''})`,
          ports.platform.kind,
          false,
        );
      }
      await clock.sleep(200, signal);
    }
  } catch (err) {
    if (startedHere) await ports.platform.remove(target, AbortSignal.timeout(30_000)).catch(() => undefined);
    throw err;
  }
}

/** Metrics are checked before anything moves: a rollout that cannot measure must not start. */
async function checkMetrics(ports: RolloutPorts, signal: AbortSignal): Promise<void> {
  try {
    await ports.metrics.online(signal);
  } catch (err) {
    throw err instanceof ProviderError
      ? err
      : new ProviderError(`metrics back-end is not reachable: ${String(err)}`, ports.metrics.kind, true);
  }
}
