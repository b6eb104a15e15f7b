/**
 * The server under test for bench/server/run.ts, in its own process so the clients' work does not share its event
 * loop: `node --import tsx bench/server/bench-server.ts` prints one JSON line `{ url, token }`, then keeps rolling
 * out the test service through the real server, controller and SQLite store (fake platform, router and metrics under
 * the controller, so rollouts produce a steady stream of state, log and metrics events) until killed.
 */
import { errorRateAnalyzer } from '../../src/testing/fake-analyzer.js';
import { SPEC, testServer } from '../../test/server/helpers.js';

const s = await testServer({ analyzer: errorRateAnalyzer(0.05, 20) });
const url = await s.app.listen({ host: '127.0.0.1', port: 0 });
const spec = SPEC.replace('interval: 200ms', 'interval: 500ms');
await s.app.inject({ method: 'POST', url: '/api/v1/specs', headers: s.as('admin'), payload: { yaml: spec } });
s.pump(0);
process.stdout.write(JSON.stringify({ url, token: s.tokens.viewer }) + '\n');

let version = 2;
for (;;) {
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/v1/rollouts',
    headers: s.as('operator'),
    payload: { service: 'shop', version: `v${version++}` },
  });
  const id = res.json<{ id: string }>().id;
  await s.controller.wait(id);
}
