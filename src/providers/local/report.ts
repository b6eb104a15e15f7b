import type { Endpoint, VersionStatus } from '../../ports/platform.js';
import type { LocalPlatformConfig } from './config.js';
import type { InstanceView } from './instances.js';
import { probe } from './probe.js';

/** One instance's health, as `status` reports it. */
export interface InstanceReport {
  index: number;
  ready: boolean;
  endpoint?: Endpoint;
  failed?: boolean;
  message?: string;
}

/** A readiness probe never waits longer than this, whatever the readiness timeout: `status` must stay quick. */
const PROBE_TIMEOUT_MS = 2000;

/** Reads what the supervisor reported and, for a running child, asks its readiness path. */
export async function instanceReport(
  view: InstanceView,
  readiness: LocalPlatformConfig['readiness'],
  signal: AbortSignal,
): Promise<InstanceReport> {
  const { index, state } = view;
  if (state?.status === 'failed') return { index, ready: false, failed: true, message: state.message ?? 'failed' };
  if (!view.supervisorAlive && !view.childAlive) {
    return { index, ready: false, message: 'not running (its supervisor is gone; deploy starts it again)' };
  }
  if (!state || state.status === 'starting') return { index, ready: false, message: 'starting' };
  if (state.status === 'backoff') return { index, ready: false, message: state.message ?? 'restarting' };
  if (!view.childAlive || state.childPid === undefined) {
    return { index, ready: false, message: 'its process exited; the supervisor is handling it' };
  }
  const result = await probe(state.port, readiness.path, Math.min(readiness.timeout, PROBE_TIMEOUT_MS), signal);
  if (result.ok) return { index, ready: true, endpoint: { host: '127.0.0.1', port: state.port } };
  const runningFor = Date.now() - (state.startedAt ?? Date.now());
  // Past the readiness timeout we say so, but do not call it failed: giving up is the controller's decision.
  const late = runningFor > readiness.timeout ? `not ready after ${Math.round(runningFor / 1000)}s: ` : '';
  return { index, ready: false, message: `${late}${result.reason}` };
}

/** Folds instance reports into the version's status (service, version and role are the caller's). */
export function summarize(
  reports: InstanceReport[],
  desired: number,
): Omit<VersionStatus, 'service' | 'version' | 'role'> {
  const ready = reports.filter((r) => r.ready);
  const status: Omit<VersionStatus, 'service' | 'version' | 'role'> = {
    desired,
    ready: ready.length,
    endpoints: ready.map((r) => r.endpoint!),
    refs: {},
  };
  const failed = reports.filter((r) => r.failed);
  if (failed.length > 0) {
    // One instance that can never start means the version can never reach `desired`.
    status.failed = true;
    status.message =
      failed.length === reports.length ? failed[0]!.message : `instance ${failed[0]!.index}: ${failed[0]!.message}`;
    return status;
  }
  if (reports.length === 0) {
    status.message = 'not deployed';
    return status;
  }
  const missing = desired - reports.length;
  const notReady = reports.filter((r) => !r.ready);
  const parts = notReady.map((r) => (desired > 1 ? `instance ${r.index}: ${r.message}` : r.message!));
  if (missing > 0) parts.push(`${missing} instance(s) not started`);
  if (parts.length > 0) status.message = `${ready.length}/${desired} ready; ${parts.join('; ')}`;
  return status;
}
