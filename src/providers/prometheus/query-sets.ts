/**
 * Ready-made PromQL for the data planes Chimera meets. Each template yields ONE number for ONE version (or, for
 * buckets, one number per `le`). Counts are the counter now minus the counter when the analysis began
 * (`@ {{start}}`), or the whole counter for a series born after that: exact integers, where `increase()` would
 * extrapolate to the window's edges (seen here: 141 counted for 100 requests over a 3 s window). Quantiles are over
 * `{{interval}}` (recent behaviour).
 *
 * Variables every template may use: `{{service}}`, `{{version}}`, `{{role}}` (stable|canary), `{{namespace}}`,
 * `{{start}}` (epoch seconds the analysis began), `{{window}}` (seconds since then, as `93s`), `{{interval}}`,
 * `{{quantile}}` (0.5, 0.9, 0.99 in `latencyQuantile`), plus the set's defaults below and the user's `variables`.
 */
/** Growth of a counter since the analysis began; `by` keeps a label (histogram buckets' `le`). */
export function since(selector: string, by = ''): string {
  const agg = by ? `sum by (${by})` : 'sum';
  return `(${agg} (${selector}) - ${agg} (${selector} @ {{start}})) or ${agg} (${selector})`;
}

export interface QuerySet {
  requests: string;
  errors: string;
  latencyBuckets?: string;
  latencySum?: string;
  latencyQuantile?: string;
  latencyUnit?: 's' | 'ms';
  /** Default values of set-specific variables; they may themselves use the built-in variables. */
  variables?: Record<string, string>;
}

/**
 * Chimera's built-in proxy: `chimera_proxy_requests_total{service,version,role,code_class}` and the histogram
 * `chimera_proxy_request_duration_ms` (milliseconds). The proxy adds `service` when it knows the service name.
 */
const CHIMERA_SEL = 'service="{{service}}",version="{{version}}"';
const chimeraProxy: QuerySet = {
  requests: since(`chimera_proxy_requests_total{${CHIMERA_SEL}}`),
  errors: since(`chimera_proxy_requests_total{${CHIMERA_SEL},code_class="5xx"}`),
  latencyBuckets: since(`chimera_proxy_request_duration_ms_bucket{${CHIMERA_SEL}}`, 'le'),
  latencySum: since(`chimera_proxy_request_duration_ms_sum{${CHIMERA_SEL}}`),
  latencyQuantile: `histogram_quantile({{quantile}}, sum by (le) (rate(chimera_proxy_request_duration_ms_bucket{${CHIMERA_SEL}}[{{interval}}])))`,
  latencyUnit: 'ms',
};

/**
 * HAProxy's built-in exporter counts per server, not per version: the HAProxy router keeps the stable version
 * in server `stable` (or the template slots `stable1…N`) and the canary in `canary` (`canary1…N`) of backend
 * `{{backend}}` (default: the service name); the slots of one role are summed.
 * HAProxy 2.6 exports no latency histogram, so this set has counts only.
 */
const HAPROXY_SEL = 'proxy="{{backend}}",server=~"{{server}}[0-9]*"';
const haproxy: QuerySet = {
  requests: since(`haproxy_server_http_responses_total{${HAPROXY_SEL}}`),
  errors: since(`haproxy_server_http_responses_total{${HAPROXY_SEL},code="5xx"}`),
  variables: { backend: '{{service}}', server: '{{role}}' },
};

/**
 * Envoy (and the meshes built on it: App Mesh, Consul, Kuma): upstream request counters by response code and
 * the request-time histogram in milliseconds, per cluster. One cluster per version, named by `{{cluster}}`.
 */
const ENVOY_SEL = 'envoy_cluster_name="{{cluster}}"';
const envoy: QuerySet = {
  requests: since(`envoy_cluster_upstream_rq{${ENVOY_SEL}}`),
  errors: since(`envoy_cluster_upstream_rq{${ENVOY_SEL},envoy_response_code=~"5.."}`),
  latencyBuckets: since(`envoy_cluster_upstream_rq_time_bucket{${ENVOY_SEL}}`, 'le'),
  latencySum: since(`envoy_cluster_upstream_rq_time_sum{${ENVOY_SEL}}`),
  latencyQuantile: `histogram_quantile({{quantile}}, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{${ENVOY_SEL}}[{{interval}}])))`,
  latencyUnit: 'ms',
  variables: { cluster: '{{service}}-{{version}}' },
};

/** Istio's standard metrics, reported by the destination sidecar, per `destination_version` label. */
const ISTIO_SEL =
  'reporter="destination",destination_workload_namespace="{{namespace}}",destination_service_name="{{service}}",destination_version="{{version}}"';
const istio: QuerySet = {
  requests: since(`istio_requests_total{${ISTIO_SEL}}`),
  errors: since(`istio_requests_total{${ISTIO_SEL},response_code=~"5.."}`),
  latencyBuckets: since(`istio_request_duration_milliseconds_bucket{${ISTIO_SEL}}`, 'le'),
  latencySum: since(`istio_request_duration_milliseconds_sum{${ISTIO_SEL}}`),
  latencyQuantile: `histogram_quantile({{quantile}}, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${ISTIO_SEL}}[{{interval}}])))`,
  latencyUnit: 'ms',
};

export const QUERY_SETS = {
  'chimera-proxy': chimeraProxy,
  haproxy,
  envoy,
  istio,
} as const satisfies Record<string, QuerySet>;

/** Variables provided by the provider itself for every query. */
export const BUILTIN_VARIABLES = [
  'service',
  'version',
  'role',
  'namespace',
  'start',
  'window',
  'interval',
  'quantile',
] as const;
