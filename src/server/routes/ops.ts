import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.js';

/** Probes, Prometheus metrics and the API description. */
export function opsRoutes(app: FastifyInstance): void {
  const ctx = app.chimera;

  app.get('/healthz', { config: { role: 'public' } }, (_req, reply) => void reply.send({ ok: true }));

  // Ready once the controller has taken over the rollouts left in flight and the store answers.
  app.get('/readyz', { config: { role: 'public' } }, async (_req, reply) => {
    let storeOk = true;
    try {
      await ctx.store.getValue('server:ping');
    } catch {
      storeOk = false;
    }
    const ready = ctx.ready && storeOk;
    return reply.status(ready ? 200 : 503).send({ ready, store: storeOk, controller: ctx.ready });
  });

  // Scrapers authenticate like any client (Prometheus: `authorization: { credentials: <viewer token> }`).
  app.get('/metrics', { config: { role: 'viewer' } }, async (_req, reply) => {
    void reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  // Built on first request, once every plugin's routes are registered.
  let doc: Record<string, unknown> | undefined;
  app.get('/openapi.json', { config: { role: 'public' } }, (_req, reply) => {
    doc ??= openApiDocument(app.routeTable);
    void reply.send(doc);
  });
}
