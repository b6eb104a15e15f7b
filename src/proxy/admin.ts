import type { IncomingMessage, ServerResponse } from 'node:http';
import { CanaryError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CounterSet } from './counters.js';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './prometheus.js';
import type { RouteTable } from './route-table.js';
import { applyUpdate, type RouteState } from './routes.js';
import { saveRoutes } from './state-file.js';
import { tokenMatches } from './token.js';

/** Largest admin request body accepted. */
export const ADMIN_BODY_LIMIT = 64 * 1024;

/** What `GET /healthz` answers; the router uses `name` to tell our proxy from something else on the port. */
export interface ProxyIdentity {
  name: 'chimera-proxy';
  service: string | null;
  listen: string;
  admin: string;
  pid: number;
  startedAt: number;
}

export interface AdminContext {
  identity: ProxyIdentity;
  table: RouteTable;
  counters: CounterSet;
  stateFile: string;
  token: string;
  log: Logger;
}

/**
 * The admin API. `/healthz` and `/metrics` are unauthenticated (Prometheus scrapes `/metrics`; neither reveals
 * anything but counts and addresses); everything under `/admin/` needs the bearer token.
 */
export function createAdminHandler(ctx: AdminContext): (req: IncomingMessage, res: ServerResponse) => void {
  // Route changes are serialised: persist-then-apply must not interleave between two concurrent PUTs.
  let queue: Promise<unknown> = Promise.resolve();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && req.method === 'GET') return json(res, 200, ctx.identity);
    if (path === '/metrics' && req.method === 'GET') {
      const text = renderMetrics(ctx.counters, {
        service: ctx.identity.service ?? undefined,
        canaryWeight: ctx.table.state.canaryWeight,
      });
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
      return void res.end(text);
    }
    if (path !== '/admin/routes' && path !== '/admin/counters')
      return json(res, 404, { error: `no such path ${path}` });
    if (!tokenMatches(req.headers.authorization, ctx.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      return json(res, 401, { error: 'missing or wrong bearer token' });
    }
    if (path === '/admin/counters' && req.method === 'GET') return json(res, 200, countersView(ctx));
    if (path === '/admin/routes' && req.method === 'GET') return json(res, 200, routesView(ctx, ctx.table.state));
    if (path === '/admin/routes' && req.method === 'PUT') {
      const body = await readJson(req);
      const run = queue.then(async () => {
        const next = applyUpdate(ctx.table.state, body, Date.now());
        await saveRoutes(ctx.stateFile, next); // persist first: a change the proxy cannot keep is not made
        ctx.table.apply(next);
        ctx.log.info({ routes: routesView(ctx, next) }, 'routes changed');
        return next;
      });
      queue = run.catch(() => undefined);
      return json(res, 200, routesView(ctx, await run));
    }
    res.setHeader('allow', path === '/admin/routes' ? 'GET, PUT' : 'GET');
    return json(res, 405, { error: `${req.method} not allowed on ${path}` });
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return json(res, err.status, { error: err.message });
      if (err instanceof CanaryError && err.httpStatus < 500) return json(res, err.httpStatus, { error: err.message });
      ctx.log.error({ err }, 'admin request failed');
      return json(res, 500, { error: errorMessage(err) });
    });
  };
}

export function routesView(ctx: Pick<AdminContext, 'identity'>, s: RouteState): Record<string, unknown> {
  return { service: ctx.identity.service, ...s };
}

function countersView(ctx: AdminContext): Record<string, unknown> {
  const s = ctx.table.state;
  return {
    service: ctx.identity.service,
    startedAt: ctx.identity.startedAt,
    stableVersion: s.stable?.version ?? null,
    canaryVersion: s.canary?.version ?? null,
    canaryWeight: s.canaryWeight,
    versions: ctx.counters.byVersion(),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > ADMIN_BODY_LIMIT) throw new HttpError(413, `body larger than ${ADMIN_BODY_LIMIT} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ADMIN_BODY_LIMIT) throw new HttpError(413, `body larger than ${ADMIN_BODY_LIMIT} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpError(400, `body is not valid JSON: ${errorMessage(err)}`);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
