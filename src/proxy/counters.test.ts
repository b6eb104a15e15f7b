import { describe, expect, it } from 'vitest';
import { CounterSet, LATENCY_BUCKETS_MS, bucketIndex } from './counters.js';
import { renderMetrics } from './prometheus.js';

describe('CounterSet', () => {
  it('counts per version and role, 5xx as errors, client aborts as neither success nor error', () => {
    const set = new CounterSet();
    const stable = set.get('v1', 'stable');
    stable.record(200, 0.4);
    stable.record(503, 3);
    stable.record(0, 12);
    set.get('v2', 'canary').record(204, 7000);
    set.get('v2', 'stable').record(500, 20_000); // v2 after promotion: same version, other role
    const v = set.byVersion();
    expect(v.v1).toMatchObject({ requests: 3, errors: 1 });
    expect(v.v1!.byClass).toMatchObject({ '2xx': 1, '5xx': 1, aborted: 1 });
    const v1 = v.v1!.latency!;
    const at = (le: number) => v1.counts[v1.le.indexOf(le)];
    expect(v1.count).toBe(3);
    expect([at(1), at(2.5), at(3), at(10), at(12.5), at(10_000)]).toEqual([1, 1, 2, 2, 3, 3]);
    expect(v.v2).toMatchObject({ requests: 2, errors: 1 });
    expect(v.v2!.latency!.counts.at(-1)).toBe(1); // 20 s is beyond the last bucket: only in `count`
    expect(v.v2!.latency!.count).toBe(2);
  });
});

describe('latency buckets', () => {
  it('run from 1 ms to 10 s, increasing, neighbours at most 4/3 apart', () => {
    expect(LATENCY_BUCKETS_MS[0]).toBe(1);
    expect(LATENCY_BUCKETS_MS.at(-1)).toBe(10_000);
    for (let i = 1; i < LATENCY_BUCKETS_MS.length; i++) {
      const ratio = LATENCY_BUCKETS_MS[i]! / LATENCY_BUCKETS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1.15);
      expect(ratio).toBeLessThanOrEqual(4 / 3 + 1e-12);
    }
  });

  it('put a latency in the first bucket whose bound is ≥ it (Prometheus `le`), past the last in the open one', () => {
    const n = LATENCY_BUCKETS_MS.length;
    for (let i = 0; i < n; i++) {
      const le = LATENCY_BUCKETS_MS[i]!;
      expect(bucketIndex(le)).toBe(i);
      expect(bucketIndex(le * 1.0001)).toBe(i + 1);
    }
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(10_000.5)).toBe(n);
    expect(bucketIndex(Infinity)).toBe(n);
  });
});

describe('renderMetrics', () => {
  it('renders valid exposition text with cumulative buckets, +Inf = count, and label escaping', () => {
    const set = new CounterSet();
    set.get('v"1', 'stable').record(200, 3);
    set.get('v"1', 'stable').record(502, 30);
    const text = renderMetrics(set, { service: 'web', canaryWeight: 12.5 });
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    for (const line of samples) expect(line).toMatch(/^[a-z_]+(\{([a-z_]+="(\\.|[^"\\])*",?)*\})? [0-9.e+-]+$/);
    expect(text).toContain(
      'chimera_proxy_requests_total{service="web",version="v\\"1",role="stable",code_class="5xx"} 1',
    );
    expect(text).toContain(
      'chimera_proxy_request_duration_ms_bucket{service="web",version="v\\"1",role="stable",le="5"} 1',
    );
    expect(text).toContain(
      'chimera_proxy_request_duration_ms_bucket{service="web",version="v\\"1",role="stable",le="+Inf"} 2',
    );
    expect(text).toContain('chimera_proxy_request_duration_ms_count{service="web",version="v\\"1",role="stable"} 2');
    expect(text).toContain('chimera_proxy_canary_weight{service="web"} 12.5');
  });
});
