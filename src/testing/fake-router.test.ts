import { describeRouterConformance } from '../ports/traffic-router.conformance.js';
import { FakeRouter } from './fake-router.js';

const version = (v: string, role: 'stable' | 'canary', port: number) => ({
  service: 'web',
  version: v,
  role,
  desired: 1,
  ready: 1,
  endpoints: [{ host: '127.0.0.1', port }],
  refs: {},
});

describeRouterConformance('fake', () =>
  Promise.resolve({
    router: new FakeRouter(),
    stable: version('v1', 'stable', 8001),
    canary: version('v2', 'canary', 8002),
    cleanup: () => Promise.resolve(),
  }),
);
