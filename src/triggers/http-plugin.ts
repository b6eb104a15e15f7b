import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RolloutState } from '../core/rollout.js';
import { CanaryError, ConfigError, errorMessage } from '../errors.js';
import type { Store } from '../ports/store.js';
import { interpret } from './adapters.js';
import { forgetOld, remember, remembered } from './delivery-memory.js';
import { loadTriggersFile, type TriggerConfig } from './config.js';
import { verifyDelivery } from './verify.js';

export interface TriggerPluginOptions {
  /** Trigger definitions; default: the file named by `CHIMERA_TRIGGERS` (none when unset). */
  triggers?: TriggerConfig[];
  /** Starts (or finds the in-flight) rollout; default: the server's controller with the registered spec. */
  start?: (service: string, version: string, by: string) => Promise<RolloutState>;
  /** Where delivery ids are remembered; default: the server's store. */
  store?: Store;
  /** Largest body accepted (default 256 KiB). */
  bodyLimit?: number;
  now?: () => number;
}

/**
 * `POST /api/v1/triggers/:name`: starts a rollout from a signed deploy webhook or a registry push event.
 * The signature is checked on the raw bytes before anything parses them; a bad signature, token or stale
 * timestamp is a 401 and starts nothing. A delivery seen before (same id, or same body) answers with the
 * rollout it started, so a sender's retries start one rollout, not two. The route is `public` for the token
 * auth hook: the HMAC is its authentication.
 */
export const triggerPlugin: FastifyPluginAsync<TriggerPluginOptions> = (app, opts) =>
  // A missing secret variable rejects the registration (a ConfigError naming the variable), never throws past it.
  Promise.resolve().then(() => install(app, opts));

function install(app: FastifyInstance, opts: TriggerPluginOptions): void {
  const env = process.env.CHIMERA_TRIGGERS;
  const triggers = opts.triggers ?? (env ? loadTriggersFile(env) : []);
  const secrets = new Map<string, string>();
  for (const t of triggers) {
    const s = process.env[t.secretEnv];
    if (!s) throw new ConfigError(`trigger '${t.name}': environment variable ${t.secretEnv} is not set`);
    secrets.set(t.name, s);
  }
  const byName = new Map(triggers.map((t) => [t.name, t]));
  const store = opts.store ?? chimera(app)?.store;
  const start = opts.start ?? defaultStart(app);
  const now = opts.now ?? Date.now;
  const bodyLimit = opts.bodyLimit ?? 256 * 1024;
  // One delivery at a time: two copies arriving together must not both see "not seen yet".
  let queue: Promise<unknown> = Promise.resolve();
  const seen = new Map<string, { rolloutId: string; at: number }>();

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

  app.post<{ Params: { name: string }; Querystring: Record<string, unknown> }>(
    '/api/v1/triggers/:name',
    { config: { role: 'public' }, bodyLimit },
    async (req, reply) => {
      const t = byName.get(req.params.name);
      const secret = secrets.get(req.params.name);
      if (!t || !secret) return reply.status(404).send(fail('NOT_FOUND', `no trigger named '${req.params.name}'`));
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const at = now();
      const refused = verifyDelivery({
        trigger: t,
        secret,
        headers: req.headers,
        query: req.query ?? {},
        raw,
        now: at,
      });
      if (refused) {
        req.log.warn({ trigger: t.name, why: refused }, 'trigger delivery refused');
        return reply.status(401).send(fail('UNAUTHORIZED', `delivery refused: ${refused}`));
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return reply.status(400).send(fail('BAD_REQUEST', 'the body is not JSON'));
      }
      const r = interpret(t, body, req.headers, raw, at);
      if (r.kind === 'invalid') return reply.status(400).send(fail('BAD_REQUEST', r.why));
      if (r.kind === 'ignore') return reply.status(202).send({ ignored: true, reason: r.why });
      const work = queue.then(async () => {
        const prior = seen.get(r.deliveryId) ?? (await remembered(store, r.deliveryId));
        if (prior && at - prior.at <= t.replayWindow * 2) return { duplicate: true, rolloutId: prior.rolloutId };
        const state = await start(r.service, r.version, `trigger ${t.name} (${r.source})`);
        const record = { rolloutId: state.id, at };
        seen.set(r.deliveryId, record);
        if (store) await remember(store, r.deliveryId, record);
        prune(seen, at, t.replayWindow * 2);
        if (store) await forgetOld(store, r.deliveryId, at, t.replayWindow * 2);
        return { duplicate: false, rolloutId: state.id };
      });
      queue = work.catch(() => undefined);
      try {
        const out = await work;
        return reply.status(out.duplicate ? 200 : 202).send({ ...out, service: r.service, version: r.version });
      } catch (err) {
        const status = err instanceof CanaryError ? err.httpStatus : 500;
        const code = err instanceof CanaryError ? err.code : 'INTERNAL';
        return reply.status(status).send(fail(code, errorMessage(err).split('\n')[0] ?? 'error'));
      }
    },
  );
}

function fail(code: string, message: string): object {
  return { error: { code, message } };
}

function prune(seen: Map<string, { at: number }>, now: number, keepMs: number): void {
  if (seen.size < 1000) return;
  for (const [k, v] of seen) if (now - v.at > keepMs) seen.delete(k);
}

interface ServerLike {
  store: Store;
  controller: { start(loaded: never, version?: string, by?: string): Promise<RolloutState> };
  specs: { load(service: string): Promise<unknown> };
}

function chimera(app: FastifyInstance): ServerLike | undefined {
  return (app as unknown as { chimera?: ServerLike }).chimera;
}

function defaultStart(app: FastifyInstance): (service: string, version: string, by: string) => Promise<RolloutState> {
  return async (service, version, by) => {
    const ctx = chimera(app);
    if (!ctx) throw new ConfigError('the trigger plugin needs a start function outside the Chimera server');
    return ctx.controller.start((await ctx.specs.load(service)) as never, version, by);
  };
}
