import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { ConfigError, errorMessage } from '../errors.js';
import { LoginLimiter, SessionStore, TokenService } from '../auth/index.js';
import type { Controller } from '../controller/controller.js';
import { TERMINAL_PHASES, type RolloutState } from '../core/rollout.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import { installAuth } from './auth-hook.js';
import { ChartWriter } from './chart-store.js';
import type { ServerContext } from './context.js';
import { EventHub } from './event-hub.js';
import { installErrorHandler } from './http-errors.js';
import { ServerMetrics } from './metrics.js';
import { authRoutes } from './routes/auth.js';
import { opsRoutes } from './routes/ops.js';
import { rolloutRoutes } from './routes/rollouts.js';
import { serviceRoutes } from './routes/services.js';
import { streamRoutes } from './routes/stream.js';
import { webRoutes } from './routes/web.js';
import { SpecRegistry } from './spec-registry.js';
import { ServiceIndex } from '../controller/service-index.js';

export interface ServerOptions {
  controller: Controller;
  store: Store;
  log: Logger;
  /** PEM files: the server speaks HTTPS and cookies get `Secure`. */
  tls?: { cert: string; key: string };
  /** Folder of the built dashboard (default web/dist). */
  webRoot?: string;
  /** Event-stream heartbeat period (default 15 s). */
  heartbeatMs?: number;
  /** Largest request body accepted (default 1.5 MiB: a 1 MiB spec in JSON). */
  bodyLimit?: number;
  /** Folder relative paths in uploaded specs resolve against (default the working directory). */
  specDir?: string;
}

/**
 * Builds the Fastify app (not listening yet): the API under /api/v1, the event stream, /metrics, probes, the OpenAPI
 * document and the dashboard. Every route declares the role it needs; `ready()` fails when one does not.
 *
 * @example
 * const app = await buildServer({ controller, store, log });
 * await app.listen({ host: '127.0.0.1', port: 7070 });
 */
export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const https = opts.tls ? { cert: readPem(opts.tls.cert), key: readPem(opts.tls.key) } : undefined;
  const app = Fastify({
    loggerInstance: opts.log,
    // Per-request lines would drown the rollout logs (the dashboard polls and streams); errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1.5 * 1024 * 1024,
    // Bounded headers and a request timeout keep a slow or hostile client from holding resources.
    requestTimeout: 60_000,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  // Chart points are stored by the process that derives them (it drives the rollout), finished when it ends there.
  const charts = new ChartWriter(opts.store, opts.log);
  const endChart = (s: RolloutState): void => {
    if (TERMINAL_PHASES.includes(s.phase) && opts.controller.isDriving(s.id)) void charts.finish(s.id);
  };
  opts.controller.on('state', endChart);
  const ctx: ServerContext = {
    controller: opts.controller,
    store: opts.store,
    log: opts.log,
    hub: new EventHub(opts.controller, { onPoint: (s, point) => charts.append(s.id, point) }),
    metrics: new ServerMetrics(opts.controller),
    tokens: new TokenService(opts.store),
    sessions: new SessionStore(opts.store),
    limiter: new LoginLimiter(),
    specs: new SpecRegistry(opts.store, opts.specDir),
    secure: https !== undefined,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    ready: false,
  };
  app.decorate('chimera', ctx);
  app.addHook('onClose', async () => {
    opts.controller.off('state', endChart);
    ctx.hub.close();
    ctx.metrics.close();
    await charts.close();
  });

  installErrorHandler(app);
  // Cookies are parsed before the auth hook reads the session cookie.
  await app.register(fastifyCookie);
  installAuth(app);
  (await import('./leader-guard.js')).installLeaderGuard(app);
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('referrer-policy', 'no-referrer');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      void reply.header(
        'content-security-policy',
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      );
    }
    return payload;
  });

  opsRoutes(app);
  authRoutes(app);
  serviceRoutes(app);
  rolloutRoutes(app);
  streamRoutes(app);
  await app.register((await import('../triggers/http-plugin.js')).triggerPlugin);
  await app.register((await import('../gates/http-routes.js')).approvalRoutes);
  await webRoutes(app, opts.webRoot);
  app.setNotFoundHandler({}, (req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });

  // The latest rollout of each service shows in /metrics from the start, not only after its next change: every
  // known service (however old its last rollout), one query each, as the services list does.
  const known = new Set([...(await ctx.specs.names()), ...(await new ServiceIndex(opts.store).names())]);
  for (const service of known) {
    const [latest] = await opts.store.list({ service, limit: 1 });
    if (latest) ctx.metrics.observe(latest, false);
  }
  return app;
}

function readPem(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`cannot read TLS file ${file}: ${errorMessage(err)}`);
  }
}
