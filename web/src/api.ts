/** The dashboard's view of the server API: same-origin fetch with the session cookie and the CSRF header. */

export type Role = 'viewer' | 'operator' | 'admin';
export type Phase =
  | 'pending'
  | 'deploying'
  | 'progressing'
  | 'paused'
  | 'promoting'
  | 'succeeded'
  | 'rolling_back'
  | 'rolled_back'
  | 'failed';
export const TERMINAL: Phase[] = ['succeeded', 'rolled_back', 'failed'];
export type GatePoint = 'pre-rollout' | 'confirm-traffic-increase' | 'confirm-promotion' | 'post-rollout' | 'rollback';

/** GET /api/v1/rollouts/:id/approval */
export interface ApprovalStatus {
  waiting: boolean;
  point?: GatePoint;
  since?: number;
  hooks: Array<{ name: string; timeoutMs: number }>;
  role: Role | 'public';
  allowed: boolean;
}

export interface Rollout {
  id: string;
  service: string;
  fromVersion: string;
  toVersion: string;
  phase: Phase;
  stepIndex: number;
  weight: number;
  appliedWeight?: number;
  stepStartedAt?: number;
  stepCanaryRequests: number;
  plan: {
    steps: number[];
    stepIntervalMs: number;
    minRequestsPerStep: number;
    analysisEnabled: boolean;
    /** Gate points with hooks. */
    gates?: GatePoint[];
  };
  /** A gate the rollout waits at (or has just passed). */
  gate?: { point: GatePoint; since: number; passed?: boolean };
  analysis: {
    canaryRequests: number;
    canaryErrors: number;
    stableRequests: number;
    stableErrors: number;
    skipped: boolean;
  };
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  reason: string;
}

export interface LogEntry {
  seq?: number;
  type: string;
  from?: Phase;
  to?: Phase;
  reason: string;
  data: Record<string, number | string | boolean | null>;
  at: number;
}

export interface Rates {
  rps: number;
  errorRate: number;
  p99?: number;
}
export interface MetricPoint {
  at: number;
  weight: number;
  canary: Rates;
  stable: Rates;
}
export interface Service {
  name: string;
  registered: boolean;
  latest?: Rollout;
}
export interface Me {
  name: string;
  role: Role;
}
export interface Issue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

function csrf(): string {
  const m = /(?:^|;\s*)chimera_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : '';
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method !== 'GET' ? { 'x-csrf-token': csrf() } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; issues?: Issue[] } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? 'HTTP', e?.message ?? `HTTP ${res.status}`, e?.issues ?? []);
  }
  return json as T;
}

export const roleRank = (r: Role): number => ['viewer', 'operator', 'admin'].indexOf(r);
export const can = (me: Me, need: Role): boolean => roleRank(me.role) >= roleRank(need);

export type StreamHandlers = {
  state?: (r: Rollout) => void;
  log?: (rolloutId: string, e: LogEntry) => void;
  metrics?: (rolloutId: string, p: MetricPoint) => void;
  /** The server could not replay what was missed (it restarted): reload everything. */
  reset?: () => void;
};

/** Subscribes to the server's event stream. EventSource reconnects by itself and resumes with Last-Event-ID. */
export function subscribe(query: Record<string, string>, h: StreamHandlers): () => void {
  const es = new EventSource(`/api/v1/stream?${new URLSearchParams(query).toString()}`);
  // EventSource types every event's data as `any`; it is always the JSON text the server wrote.
  const parse = (ev: MessageEvent<unknown>) => JSON.parse(String(ev.data)) as { rolloutId: string; data: unknown };
  es.addEventListener('state', (ev) => h.state?.(parse(ev).data as Rollout));
  es.addEventListener('log', (ev) => {
    const m = parse(ev);
    h.log?.(m.rolloutId, m.data as LogEntry);
  });
  es.addEventListener('metrics', (ev) => {
    const m = parse(ev);
    h.metrics?.(m.rolloutId, m.data as MetricPoint);
  });
  es.addEventListener('reset', () => h.reset?.());
  return () => es.close();
}
