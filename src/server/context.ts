import type { Controller } from '../controller/controller.js';
import type { Logger } from '../logger.js';
import type { Store } from '../ports/store.js';
import type { LoginLimiter, Principal, RouteRole, SessionStore, TokenService } from '../auth/index.js';
import type { EventHub } from './event-hub.js';
import type { ServerMetrics } from './metrics.js';
import type { SpecRegistry } from './spec-registry.js';

/** Everything the route handlers share, decorated onto the Fastify instance as `app.chimera`. */
export interface ServerContext {
  controller: Controller;
  store: Store;
  log: Logger;
  hub: EventHub;
  metrics: ServerMetrics;
  tokens: TokenService;
  sessions: SessionStore;
  limiter: LoginLimiter;
  specs: SpecRegistry;
  /** Cookies get `Secure` (the server runs TLS). */
  secure: boolean;
  /** Heartbeat period of event streams. */
  heartbeatMs: number;
  /** Set once the controller has taken over the rollouts left in flight. */
  ready: boolean;
}

/** A route as registered, for the role table (tests enumerate it). */
export interface RouteInfo {
  method: string;
  url: string;
  role: RouteRole | undefined;
  summary?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route. Every route must declare one: the server refuses to start otherwise. */
    role?: RouteRole;
    /**
     * One line for /openapi.json. Routes mounted by other modules (triggers, gates) document themselves this way;
     * the server's own routes are described in src/server/openapi.ts.
     */
    summary?: string;
  }
  interface FastifyInstance {
    chimera: ServerContext;
    routeTable: RouteInfo[];
  }
  interface FastifyRequest {
    principal?: Principal;
    /** The CSRF secret of the session the request came with (cookie logins only), read once by the auth hook. */
    sessionCsrf?: string;
  }
}
