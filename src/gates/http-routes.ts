import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RolloutState } from '../core/rollout.js';
import { ConfigError } from '../errors.js';

interface ApprovalBody {
  approved?: unknown;
}

/**
 * `POST /api/v1/rollouts/:id/approval` and `POST /api/v1/services/:name/approval` with `{ "approved": true }`
 * (or false to reject): answers the manual-approval gate the rollout waits at. Operators only. 409 when it
 * waits at no gate. The dashboard, `chimera approve` and any tool use these.
 */
export const approvalRoutes: FastifyPluginAsync = (app: FastifyInstance) => {
  const answer = async (target: string, body: unknown, by: string): Promise<RolloutState> => {
    const approved = (body as ApprovalBody | undefined)?.approved ?? true;
    if (typeof approved !== 'boolean') throw new ConfigError(`'approved' must be true or false`);
    return app.chimera.controller.approve(target, by, approved);
  };
  const by = (req: { principal?: { name: string; role: string } }): string =>
    req.principal ? `${req.principal.name} (${req.principal.role})` : 'anonymous';
  app.post<{ Params: { id: string } }>(
    '/api/v1/rollouts/:id/approval',
    { config: { role: 'operator' } },
    async (req, reply) => {
      await app.chimera.controller.get(req.params.id);
      return reply.status(202).send(view(await answer(req.params.id, req.body, by(req))));
    },
  );
  app.post<{ Params: { name: string } }>(
    '/api/v1/services/:name/approval',
    { config: { role: 'operator' } },
    async (req, reply) => reply.status(202).send(view(await answer(req.params.name, req.body, by(req)))),
  );
  return Promise.resolve();
};

/** The rollout without the analyzer's internal state (as the other rollout routes answer). */
function view(s: RolloutState): object {
  const { state: _state, ...analysis } = s.analysis;
  return { ...s, analysis };
}
