import { describeMetricProviderConformance } from '../ports/metric-provider.conformance.js';
import { FakeMetricProvider } from './fake-metrics.js';

describeMetricProviderConformance('fake', () => {
  const provider = new FakeMetricProvider();
  const query = { service: 'web', stableVersion: 'v1', canaryVersion: 'v2', since: 0, now: 1_000 };
  return Promise.resolve({
    provider,
    query,
    drive: (t) => {
      if (t.stable) provider.record('v1', t.stable.requests, t.stable.errors);
      if (t.canary) provider.record('v2', t.canary.requests, t.canary.errors);
      return Promise.resolve();
    },
    stop: () => {
      provider.down = true;
      return Promise.resolve();
    },
    cleanup: () => Promise.resolve(),
  });
});
