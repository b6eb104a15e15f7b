import { describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/kubernetes/leader-election.js';
import { LEASES, resourcePath } from '../../src/kubernetes/paths.js';
import type { Lease } from '../../src/kubernetes/types.js';
import { eventually } from '../../src/ports/platform.conformance.js';
import { createNamespace, kubeAvailable, signal, testClient } from './cluster.js';

const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

function contender(namespace: string, identity: string) {
  const elector = new LeaderElector(testClient(), { namespace, name: 'chimera', identity, ...timing });
  const stop = new AbortController();
  const events: string[] = [];
  const done = elector.run(
    {
      onStartedLeading: (s) => {
        events.push('started');
        s.addEventListener('abort', () => events.push('lost'));
      },
      onStoppedLeading: () => void events.push('stopped'),
    },
    stop.signal,
  );
  return { elector, stop, events, done };
}

const leaders = (...cs: ReturnType<typeof contender>[]) => cs.filter((c) => c.elector.isLeader()).length;

describe.skipIf(!kubeAvailable)('leader election through a Lease on a real kube-apiserver', () => {
  it('given two contenders, then exactly one leads; when it stops, the other takes over at once', async () => {
    const namespace = await createNamespace(testClient(), 'lease');
    const a = contender(namespace, 'a');
    const b = contender(namespace, 'b');
    const first = await eventually(
      () => Promise.resolve(leaders(a, b)),
      (n) => n >= 1,
      20_000,
    );
    expect(first).toBe(1);
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    // Several renewal periods later there is still exactly one leader.
    for (let i = 0; i < 10; i++) {
      expect(leaders(a, b)).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
    }
    leader.stop.abort();
    await leader.done;
    expect(leader.events).toEqual(['started', 'lost', 'stopped']);
    // The lease was released, so the follower does not wait out the lease duration.
    await eventually(
      () => Promise.resolve(follower.elector.isLeader()),
      (v) => v,
      20_000,
    );
    const lease = await testClient().get<Lease>(resourcePath(LEASES, namespace, 'chimera'), signal());
    expect(lease?.spec.holderIdentity).toBe(follower === a ? 'a' : 'b');
    expect(lease?.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
    follower.stop.abort();
    await follower.done;
  });

  it('given a leader that dies without releasing, then the other takes over once the lease expires', async () => {
    const client = testClient();
    const namespace = await createNamespace(client, 'lease-crash');
    // A crashed leader: a lease held by "ghost" that nobody renews.
    const now = new Date().toISOString().replace('Z', '000Z');
    await client.create(
      resourcePath(LEASES, namespace),
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'chimera', namespace },
        spec: {
          holderIdentity: 'ghost',
          leaseDurationSeconds: 2,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
      } satisfies Lease,
      signal(),
    );
    const c = contender(namespace, 'survivor');
    await eventually(
      () => Promise.resolve(c.elector.isLeader()),
      (v) => v,
      20_000,
    );
    const lease = await client.get<Lease>(resourcePath(LEASES, namespace, 'chimera'), signal());
    expect(lease?.spec).toMatchObject({ holderIdentity: 'survivor', leaseTransitions: 1 });
    c.stop.abort();
    await c.done;
  });
});
