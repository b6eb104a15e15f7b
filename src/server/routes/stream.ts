import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { HubEvent, HubFilter } from '../event-hub.js';
import { parseBody, streamQuery } from '../schemas.js';

/** Each event is serialised once, however many clients receive it (1 000 dashboards: 1 000× less JSON work). */
const frames = new WeakMap<HubEvent, string>();
function frameOf(e: HubEvent): string {
  let frame = frames.get(e);
  if (frame === undefined) {
    const data = JSON.stringify({ rolloutId: e.rolloutId, service: e.service, data: e.data });
    frame = `id: ${e.id}\nevent: ${e.type}\ndata: ${data}\n\n`;
    frames.set(e, frame);
  }
  return frame;
}

/** A client this far behind is dropped; it reconnects with Last-Event-ID and catches up from the replay buffer. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * `GET /api/v1/stream`: server-sent events of rollout state changes (`state`), log lines (`log`) and live
 * per-version rates (`metrics`), optionally for one service or rollout. A reconnecting client sends Last-Event-ID and
 * receives what it missed; when that is no longer possible it gets a `reset` event and should reload. Comment lines
 * are sent as heartbeats so proxies keep the connection open and dead clients are noticed.
 */
export function streamRoutes(app: FastifyInstance): void {
  const { hub, heartbeatMs, metrics } = app.chimera;
  const open = new Set<ServerResponse>();

  app.addHook('preClose', (done) => {
    for (const res of open) res.end();
    done();
  });

  app.get('/api/v1/stream', { config: { role: 'viewer' } }, (req, reply) => {
    const q = parseBody(streamQuery, req.query, 'query');
    const filter: HubFilter = {
      ...(q.service ? { service: q.service } : {}),
      ...(q.rollout ? { rolloutId: q.rollout } : {}),
      ...(q.types ? { types: q.types.split(',') as HubFilter['types'] } : {}),
    };
    const header = req.headers['last-event-id'];
    const lastId = (typeof header === 'string' ? header : undefined) ?? q.lastEventId;

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    open.add(res);
    metrics.sseClients.inc();

    const send = (e: HubEvent): void => {
      res.write(frameOf(e));
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    // Subscribe before replaying so nothing published in between is lost; replayed ids are skipped when live.
    const pending: HubEvent[] = [];
    let replaying = true;
    const unsubscribe = hub.subscribe(filter, (e) => (replaying ? pending.push(e) : send(e)));

    res.write(`retry: 2000\n: connected ${hub.lastId}\n\n`);
    if (lastId) {
      const missed = hub.since(lastId, filter);
      if (missed === undefined) res.write(`id: ${hub.lastId}\nevent: reset\ndata: {}\n\n`);
      else for (const e of missed) send(e);
      const seen = new Set(missed?.map((e) => e.id));
      for (const e of pending) if (!seen.has(e.id)) send(e);
    } else {
      for (const e of pending) send(e);
    }
    replaying = false;

    const beat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), heartbeatMs);
    beat.unref();
    res.on('close', () => {
      clearInterval(beat);
      unsubscribe();
      open.delete(res);
      metrics.sseClients.dec();
    });
  });
}
