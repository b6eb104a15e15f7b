import type { FastifyInstance } from 'fastify';
import type { Phase } from '../../core/rollout.js';
import { errorMessage, ForbiddenError } from '../../errors.js';
import { actor } from '../auth-hook.js';
import { mergePoints, readChart } from '../chart-read.js';
import { rolloutView } from '../views.js';
import { approvalStatusRoute } from './approval-status.js';
import { commandBody, eventsQuery, parseBody, rolloutQuery, startBody } from '../schemas.js';

/** Rollouts: list, start, read, their event log and chart, and commands. */
export function rolloutRoutes(app: FastifyInstance): void {
  const { controller, store, specs, hub, log } = app.chimera;

  app.get('/api/v1/rollouts', { config: { role: 'viewer' } }, async (req) => {
    const q = parseBody(rolloutQuery, req.query, 'query');
    const phases = q.phase ? (q.phase.split(',') as Phase[]) : undefined;
    const rollouts = await store.list({
      ...(q.service ? { service: q.service } : {}),
      ...(phases ? { phases } : {}),
      limit: q.limit ?? 50,
    });
    return { rollouts: rollouts.map(rolloutView) };
  });

  // Registering a spec can run commands on this machine (the local platform), so sending one needs admin.
  app.post('/api/v1/rollouts', { config: { role: 'operator' } }, async (req, reply) => {
    const body = parseBody(startBody, req.body);
    if (body.yaml !== undefined) {
      if (req.principal?.role !== 'admin') {
        throw new ForbiddenError(
          'sending a spec with a rollout needs the admin role; operators start registered specs',
        );
      }
      const names = await specs.save(body.yaml, actor(req));
      if (!names.includes(body.service)) {
        throw new ForbiddenError(`the spec sent does not describe service '${body.service}'`);
      }
    }
    const loaded = await specs.load(body.service);
    const state = await controller.start(loaded, body.version, actor(req));
    return reply.status(201).send(rolloutView(state));
  });

  app.get<{ Params: { id: string } }>('/api/v1/rollouts/:id', { config: { role: 'viewer' } }, async (req) =>
    rolloutView(await controller.get(req.params.id)),
  );

  app.get<{ Params: { id: string } }>('/api/v1/rollouts/:id/events', { config: { role: 'viewer' } }, async (req) => {
    const q = parseBody(eventsQuery, req.query, 'query');
    await controller.get(req.params.id);
    return { events: await store.events(req.params.id, q.after ?? 0) };
  });

  // The stored chart (every replica's, across restarts) completed by the points this server has that are not
  // stored yet (those since its last write). A store that cannot be read leaves the points in memory.
  app.get<{ Params: { id: string } }>('/api/v1/rollouts/:id/metrics', { config: { role: 'viewer' } }, async (req) => {
    const id = req.params.id;
    await controller.get(id);
    const stored = await readChart(store, id, log).catch((err: unknown) => {
      log.warn({ rollout: id, err: errorMessage(err) }, 'could not read the stored chart; answering from memory');
      return [];
    });
    return { points: mergePoints(stored, hub.points(id)).slice(-hub.pointsPerRollout) };
  });

  app.post<{ Params: { id: string } }>(
    '/api/v1/rollouts/:id/commands',
    { config: { role: 'operator' } },
    async (req, reply) => {
      const { command } = parseBody(commandBody, req.body);
      await controller.get(req.params.id);
      return reply.status(202).send(rolloutView(await controller.command(req.params.id, command, actor(req))));
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/v1/services/:name/commands',
    { config: { role: 'operator' } },
    async (req, reply) => {
      const { command } = parseBody(commandBody, req.body);
      return reply.status(202).send(rolloutView(await controller.command(req.params.name, command, actor(req))));
    },
  );

  approvalStatusRoute(app);
}
