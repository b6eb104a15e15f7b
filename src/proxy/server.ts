import { createServer, Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { formatHostPort, parseHostPort } from './address.js';
import { createAdminHandler, type ProxyIdentity } from './admin.js';
import { CounterSet } from './counters.js';
import { forward } from './forward.js';
import { handleConnection, type RawConnection } from './raw/engine.js';
import { RouteTable } from './route-table.js';
import { loadRoutes } from './state-file.js';
import { UpstreamPools, type UpstreamTimeouts } from './upstreams.js';

export interface ProxyOptions {
  /** `host:port` for user traffic; port 0 picks a free one (see `RunningProxy.listenAddress`). */
  listen: string;
  /** `host:port` for `/metrics`, `/healthz` and the admin API. */
  admin: string;
  /** Where routes are persisted (written atomically on every change, read at start). */
  stateFile: string;
  /** Bearer token the admin API requires. */
  token: string;
  /** Service name, used as a label and reported by `/healthz`. */
  service?: string;
  timeouts?: Partial<UpstreamTimeouts>;
  /**
   * `raw` (default): HTTP/1.1 forwarded on raw sockets, several times cheaper per request. `node`: Node's HTTP
   * server and undici — the reference implementation, kept as a fallback (`--engine node`).
   */
  engine?: 'raw' | 'node';
  log?: Logger;
}

export interface RunningProxy {
  /** Actual `host:port` of the traffic listener (with the chosen port when 0 was asked). */
  listenAddress: string;
  adminAddress: string;
  /** Stops accepting, lets in-flight requests finish (closing idle connections), releases the pools. */
  close(): Promise<void>;
}

const NO_BACKENDS = 'chimera proxy: no backends configured yet (set them with PUT /admin/routes)\n';

/**
 * Starts the built-in proxy in this process. `chimera proxy` wraps this for its own process; tests call it
 * directly.
 *
 * @example
 * const proxy = await startProxy({ listen: '127.0.0.1:0', admin: '127.0.0.1:0', stateFile, token });
 * // PUT http://<proxy.adminAddress>/admin/routes { stable: { version: 'v1', endpoints: ['127.0.0.1:8001'] } }
 * await proxy.close();
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const listenAt = parseHostPort(options.listen, '--listen');
  const adminAt = parseHostPort(options.admin, '--admin');
  const log = options.log ?? silentLogger;
  const counters = new CounterSet();
  const pools = new UpstreamPools({
    connectMs: options.timeouts?.connectMs ?? 5_000,
    responseMs: options.timeouts?.responseMs ?? 60_000,
  });
  const table = new RouteTable(counters, pools);
  table.apply(await loadRoutes(options.stateFile));

  const responseMs = options.timeouts?.responseMs ?? 60_000;
  const rawConns = new Map<RawConnection, Socket>();
  const traffic: Server | NetServer =
    options.engine === 'node'
      ? createServer({ keepAliveTimeout: 65_000, headersTimeout: 30_000 }, (req, res) => {
          const backend = table.choose();
          if (backend === null) {
            res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': NO_BACKENDS.length });
            res.end(NO_BACKENDS);
            return;
          }
          forward(req, res, backend);
        })
      : createNetServer((sock) => {
          const conn = handleConnection(sock, { choose: () => table.choose(), responseMs });
          rawConns.set(conn, sock);
          sock.once('close', () => rawConns.delete(conn));
        });

  const identity: ProxyIdentity = {
    name: 'chimera-proxy',
    service: options.service ?? null,
    listen: '',
    admin: '',
    pid: process.pid,
    startedAt: Date.now(),
  };
  const admin = createServer(
    createAdminHandler({ identity, table, counters, stateFile: options.stateFile, token: options.token, log }),
  );
  admin.requestTimeout = 10_000;

  try {
    identity.listen = await listen(traffic, listenAt.host, listenAt.port, '--listen');
    identity.admin = await listen(admin, adminAt.host, adminAt.port, '--admin');
  } catch (err) {
    traffic.close();
    await pools.close();
    throw err;
  }
  log.info({ listen: identity.listen, admin: identity.admin, routes: table.state }, 'proxy started');

  return {
    listenAddress: identity.listen,
    adminAddress: identity.admin,
    async close() {
      for (const c of rawConns.keys()) c.shutdown();
      const force = (): void => [...rawConns.values()].forEach((sock) => sock.destroy());
      await Promise.all([closeServer(traffic, force), closeServer(admin)]);
      await pools.close();
    },
  };
}

function listen(server: Server | NetServer, host: string, port: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const addr = formatHostPort({ host, port });
      if (err.code === 'EADDRINUSE') reject(new ConfigError(`${what} ${addr}: address already in use`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') {
        reject(new ConfigError(`${what} ${addr}: cannot listen there (${err.code})`));
      } else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address() as AddressInfo;
      resolve(formatHostPort({ host: a.address, port: a.port }));
    });
  });
}

/** Graceful close, but bounded: connections still open after `graceMs` are cut. */
function closeServer(
  server: Server | NetServer,
  forceRaw: () => void = () => undefined,
  graceMs = 5_000,
): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => {
      if (server instanceof Server) server.closeAllConnections();
      else forceRaw();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    if (server instanceof Server) server.closeIdleConnections();
  });
}
