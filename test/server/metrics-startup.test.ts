import { afterEach, describe, expect, it } from 'vitest';
import { Controller } from '../../src/controller/controller.js';
import { newRollout } from '../../src/core/engine.js';
import { silentLogger } from '../../src/logger.js';
import { buildServer } from '../../src/server/app.js';
import { parseSpec } from '../../src/spec/load.js';
import { planFromSpec } from '../../src/spec/plan.js';
import { constantAnalyzer } from '../../src/testing/fake-analyzer.js';
import { SPEC, testServer, type TestServer } from './helpers.js';

const plan = planFromSpec(parseSpec(SPEC)[0]!.spec);

/** /metrics of a server started over a store that already holds many rollouts. */
describe('/metrics at start-up', () => {
  let s: TestServer;
  afterEach(async () => s?.close());

  it("shows every service's latest rollout, even one older than 600 others", async () => {
    s = await testServer();
    let seq = 0;
    const record = async (service: string) => {
      seq += 1;
      const t = newRollout(
        { id: `${service}-${seq}`, service, fromVersion: 'v1', toVersion: `v${seq + 1}`, plan },
        constantAnalyzer('continue'),
        Date.UTC(2026, 0, 1) + seq,
      );
      await s.store.create(t.state, t.log);
    };
    // 'quiet' is started by a controller (as by a local `chimera run`); 600 newer rollouts of other services follow.
    const quiet = await s.controller.start(parseSpec(SPEC.replace(/name: \w+/, 'name: quiet'))[0]!);
    await s.controller.command(quiet.id, 'abort', 'test');
    for (let i = 0; i < 600; i++) await record(`busy-${i % 3}`);

    // A server started afterwards on the same store (a restart, or another replica).
    const controller = new Controller({ store: s.store, dataDir: '/tmp/unused', log: silentLogger });
    const again = await buildServer({ controller, store: s.store, log: silentLogger });
    try {
      const res = await again.inject({ method: 'GET', url: '/metrics', headers: s.as('viewer') });
      expect(res.statusCode).toBe(200);
      console.log(
        res.body
          .split('\n')
          .filter((l) => l.includes('rollout_phase'))
          .slice(0, 8)
          .join('\n'),
      );
      for (const service of ['busy-0', 'busy-1', 'busy-2']) {
        expect(res.body).toContain(`chimera_rollout_phase{service="${service}",phase="pending"} 1`);
      }
      const phase = (await s.store.get(quiet.id))!.phase;
      expect(res.body).toContain(`chimera_rollout_phase{service="quiet",phase="${phase}"} 1`);
    } finally {
      await again.close();
      await controller.close();
    }
  });
});
