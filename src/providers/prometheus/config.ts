import * as z from 'zod';
import { httpUrl } from '../../spec/common.js';
import { duration } from '../../spec/units.js';

/** Names of the ready-made query sets (see query-sets.ts). */
export const QUERY_SET_NAMES = ['chimera-proxy', 'haproxy', 'envoy', 'istio'] as const;

const template = z.string().min(1).max(4000);

/** PromQL templates that replace (some of) the query set's. Variables: see `docs/providers/prometheus.md`. */
export const prometheusQueries = z.strictObject({
  requests: template.optional(),
  errors: template.optional(),
  latencyBuckets: template.optional(),
  latencySum: template.optional(),
  latencyQuantile: template.optional(),
  /** Unit of the histogram's `le` bounds and sums: seconds (`s`) or milliseconds (`ms`). */
  latencyUnit: z.enum(['s', 'ms']).optional(),
});

/**
 * `metrics: { kind: prometheus, address: http://127.0.0.1:9090, querySet: istio }` — per-version counts and
 * latency read from Prometheus with PromQL templates.
 */
export const prometheusConfig = z.strictObject({
  kind: z.literal('prometheus'),
  /** Base URL of the Prometheus HTTP API. */
  address: httpUrl,
  /** Ready-made queries for the data plane that exports the metrics; `queries` overrides single templates. */
  querySet: z.enum(QUERY_SET_NAMES).default('chimera-proxy'),
  queries: prometheusQueries.optional(),
  /** Kubernetes namespace or any grouping label the templates use as `{{namespace}}`. */
  namespace: z.string().max(253).default('default'),
  /** Extra template variables (`{{name}}`), e.g. `backend` for HAProxy or `cluster` for Envoy. */
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(1000)).optional(),
  /** Window for latency quantiles (`{{interval}}`): recent behaviour, not the whole rollout. */
  interval: duration({ min: 1000 }).prefault('1m'),
  /** Bound on each HTTP query. */
  timeout: duration({ min: 100, max: 300_000 }).prefault('5s'),
  /** Extra HTTP headers, e.g. `Authorization` for a secured Prometheus. Never logged. */
  headers: z.record(z.string(), z.string()).optional(),
});

export type PrometheusConfig = z.output<typeof prometheusConfig>;
