import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { LEADER_ONLY } from './leader-only.js';

/** What the guard needs to know about leadership (LeaderController provides it). */
export interface Leadership {
  identity: string;
  isLeader(): boolean;
  leader(): string | undefined;
}

// The same requests as Fastify names them (`:name` where OpenAPI writes `{name}`).
const STARTS = new Set(LEADER_ONLY.map((e) => `${e.method.toUpperCase()} ${e.path.replace(/\{(\w+)\}/g, ':$1')}`));
const PROBES = new Set(['/healthz', '/readyz']);

function leadershipOf(app: FastifyInstance): Leadership | undefined {
  const c = app.chimera.controller as unknown as Partial<Leadership>;
  return typeof c.isLeader === 'function' && typeof c.leader === 'function' ? (c as Leadership) : undefined;
}

/**
 * Follower behaviour as hooks, so no route needs to know about leader election: rollout starts answered 503 on a
 * follower, leadership added to /healthz and /readyz bodies, and the `chimera_leader` gauge (1 while this replica
 * leads). Installed after the auth hook, so an unauthenticated request is still a 401 first. A server whose
 * controller does not take part in leader election always leads.
 */
export function installLeaderGuard(app: FastifyInstance): void {
  const leading = (): boolean => leadershipOf(app)?.isLeader() ?? true;
  new Gauge({
    name: 'chimera_leader',
    help: 'Whether this replica leads (drives rollouts): 1 leader, 0 follower',
    registers: [app.chimera.metrics.registry],
    collect() {
      this.set(leading() ? 1 : 0);
    },
  });

  app.addHook('onRequest', async (req, reply) => {
    const l = leadershipOf(app);
    if (!l || l.isLeader() || !STARTS.has(`${req.method} ${req.routeOptions.url ?? ''}`)) return;
    const leader = l.leader();
    void reply.header('retry-after', '2');
    return reply.status(503).send({
      error: {
        code: 'NOT_LEADER',
        message: `this replica (${l.identity}) does not drive rollouts; send this to the leader (${leader ?? 'not elected yet'})`,
      },
      leader: leader ?? null,
    });
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'GET' || !PROBES.has(req.routeOptions.url ?? '') || typeof payload !== 'string') return payload;
    const l = leadershipOf(app);
    if (!l) return payload;
    try {
      const body = JSON.parse(payload) as Record<string, unknown>;
      body.leader = { leading: l.isLeader(), identity: l.identity, holder: l.leader() ?? null };
      return JSON.stringify(body);
    } catch {
      return payload;
    }
  });
}
