import { CODE_CLASSES, LATENCY_BUCKETS_MS, type CounterSet } from './counters.js';

/** Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a label value as the exposition format requires (backslash, double quote, newline). */
function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Renders the proxy's counters. Written by hand rather than with prom-client: the hot path increments plain
 * fields, and this runs only when someone scrapes.
 */
export function renderMetrics(counters: CounterSet, info: { service?: string; canaryWeight: number }): string {
  const svc = info.service ? `service="${esc(info.service)}",` : '';
  const lines: string[] = [
    '# HELP chimera_proxy_requests_total Requests the proxy finished, per version, role and status class.',
    '# TYPE chimera_proxy_requests_total counter',
  ];
  const all = counters.all();
  for (const c of all) {
    const base = `${svc}version="${esc(c.version)}",role="${c.role}"`;
    CODE_CLASSES.forEach((cls, i) => {
      if (c.byClass[i]! > 0 || cls === '2xx' || cls === '5xx') {
        lines.push(`chimera_proxy_requests_total{${base},code_class="${cls}"} ${c.byClass[i]}`);
      }
    });
  }
  lines.push(
    '# HELP chimera_proxy_request_duration_ms Time from request arrival to the end of the upstream response.',
    '# TYPE chimera_proxy_request_duration_ms histogram',
  );
  for (const c of all) {
    const base = `${svc}version="${esc(c.version)}",role="${c.role}"`;
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += c.buckets[i]!;
      lines.push(`chimera_proxy_request_duration_ms_bucket{${base},le="${le}"} ${cumulative}`);
    });
    lines.push(`chimera_proxy_request_duration_ms_bucket{${base},le="+Inf"} ${c.requests}`);
    lines.push(`chimera_proxy_request_duration_ms_sum{${base}} ${c.latencySum}`);
    lines.push(`chimera_proxy_request_duration_ms_count{${base}} ${c.requests}`);
  }
  lines.push(
    '# HELP chimera_proxy_canary_weight Percent of requests the proxy sends to the canary.',
    '# TYPE chimera_proxy_canary_weight gauge',
    `chimera_proxy_canary_weight${svc ? `{${svc.slice(0, -1)}}` : ''} ${info.canaryWeight}`,
  );
  return lines.join('\n') + '\n';
}
