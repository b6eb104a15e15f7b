import { errorMessage } from '../../errors.js';

/** One PromQL answer reduced to what Chimera uses: labelled numbers. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** A query's outcome as a value: callers turn failures into measurements, never exceptions. */
export type QueryResult =
  { ok: true; samples: Sample[] } | { ok: false; reason: string; timeout?: boolean; status?: number };

interface ApiBody {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Prometheus encodes sample values as strings, including `NaN`, `+Inf` and `-Inf`. */
function parseValue(v: unknown): number {
  if (!Array.isArray(v) || typeof v[1] !== 'string') return Number.NaN;
  if (v[1] === '+Inf') return Number.POSITIVE_INFINITY;
  if (v[1] === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(v[1]);
}

function toSamples(data: ApiBody['data']): Sample[] | undefined {
  if (data?.resultType === 'scalar') return [{ labels: {}, value: parseValue(data.result) }];
  if (data?.resultType !== 'vector' || !Array.isArray(data.result)) return undefined;
  return (data.result as { metric?: Record<string, string>; value?: unknown }[]).map((r) => ({
    labels: r.metric ?? {},
    value: parseValue(r.value),
  }));
}

/** A small client for Prometheus' HTTP API: instant queries with a timeout, failures returned as values. */
export class PrometheusClient {
  constructor(
    private readonly address: string,
    private readonly timeoutMs: number,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** Runs an instant query evaluated at `timeMs` (epoch ms). Throws only when the caller's signal aborted. */
  async query(expr: string, timeMs: number, signal: AbortSignal): Promise<QueryResult> {
    const url = new URL('api/v1/query', this.address.endsWith('/') ? this.address : `${this.address}/`);
    const body = new URLSearchParams({ query: expr, time: (timeMs / 1000).toFixed(3) });
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let parsed: ApiBody;
    try {
      res = await fetch(url, {
        method: 'POST',
        body,
        headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
        signal: AbortSignal.any([signal, timeout]),
      });
      const text = await res.text();
      try {
        parsed = JSON.parse(text) as ApiBody;
      } catch {
        return {
          ok: false,
          status: res.status,
          reason: `HTTP ${res.status}, not a Prometheus API answer: ${text.slice(0, 120)}`,
        };
      }
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) return { ok: false, timeout: true, reason: `no answer within ${this.timeoutMs}ms` };
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return {
        ok: false,
        reason: `unreachable at ${this.address}: ${cause?.code ?? cause?.message ?? errorMessage(err)}`,
      };
    }
    if (res.status !== 200 || parsed.status !== 'success') {
      const what = parsed.error ? `${parsed.errorType ?? 'error'}: ${parsed.error}` : `status ${parsed.status ?? '?'}`;
      return { ok: false, status: res.status, reason: `HTTP ${res.status} ${what}` };
    }
    const samples = toSamples(parsed.data);
    if (!samples) return { ok: false, status: res.status, reason: `unexpected result type ${parsed.data?.resultType}` };
    return { ok: true, samples };
  }
}
