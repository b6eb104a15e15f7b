import type { FastifyInstance } from 'fastify';
import { ConfigError, NotFoundError } from '../../errors.js';
import { actor } from '../auth-hook.js';
import { parseBody, specBody } from '../schemas.js';
import { rolloutView, type RolloutView } from '../views.js';
import { ServiceIndex } from '../../controller/service-index.js';

export interface ServiceView {
  name: string;
  /** A spec is registered, so rollouts can be started from the server. */
  registered: boolean;
  latest?: RolloutView;
}

/** Services at a glance, and the specs that define them. */
export function serviceRoutes(app: FastifyInstance): void {
  const { store, specs, controller } = app.chimera;
  const index = new ServiceIndex(store);
  const unfollow = index.follow(controller);
  app.addHook('onClose', (_app, done) => {
    unfollow();
    done();
  });

  const view = async (name: string, registered: boolean): Promise<ServiceView> => {
    const [latest] = await store.list({ service: name, limit: 1 });
    return { name, registered, ...(latest ? { latest: rolloutView(latest) } : {}) };
  };

  app.get('/api/v1/services', { config: { role: 'viewer' } }, async () => {
    // One query per service (its latest rollout), never a scan of the rollouts: see ServiceIndex.
    const registered = new Set(await specs.names());
    const names = [...new Set([...registered, ...(await index.names())])].sort();
    return { services: await Promise.all(names.map((n) => view(n, registered.has(n)))) };
  });

  app.get<{ Params: { name: string } }>('/api/v1/services/:name', { config: { role: 'viewer' } }, async (req) => {
    const registered = (await specs.get(req.params.name)) !== undefined;
    const v = await view(req.params.name, registered);
    if (!registered && !v.latest) throw new NotFoundError(`no service named '${req.params.name}'`);
    return v;
  });

  // A spec may name hosts and commands; viewers see rollouts, not how services are deployed.
  app.get<{ Params: { name: string } }>('/api/v1/specs/:name', { config: { role: 'operator' } }, async (req) => {
    const rec = await specs.get(req.params.name);
    if (!rec) throw new NotFoundError(`no spec registered for service '${req.params.name}'`);
    return rec;
  });

  /** Validation for the editor: always 200, with every problem and its line:column. */
  app.post('/api/v1/specs/validate', { config: { role: 'operator' } }, (req, reply) => {
    const { yaml } = parseBody(specBody, req.body);
    try {
      const loaded = specs.validate(yaml);
      void reply.send({ valid: true, services: loaded.map((s) => s.spec.metadata.name), issues: [] });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const issues = err.issues.length > 0 ? err.issues : [{ path: '', message: err.message }];
      void reply.send({ valid: false, services: [], issues });
    }
  });

  app.post('/api/v1/specs', { config: { role: 'admin' } }, async (req, reply) => {
    const { yaml } = parseBody(specBody, req.body);
    return reply.status(201).send({ services: await specs.save(yaml, actor(req)) });
  });
}
