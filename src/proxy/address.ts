import { ConfigError } from '../errors.js';
import type { Endpoint } from '../ports/platform.js';
import { parseHostPort as splitHostPort } from '../spec/common.js';

/**
 * Parses `host:port` (IPv6 in brackets: `[::1]:8080`). Throws a ConfigError naming `what` and the bad value, so a
 * typo in a flag or a spec reads as "--listen: ... got 'localhost'" rather than a socket error later.
 */
export function parseHostPort(value: string, what: string): Endpoint {
  const ep = splitHostPort(value);
  if (!ep) {
    throw new ConfigError(`${what}: expected host:port (e.g. 127.0.0.1:8080 or [::1]:8080), got '${value}'`, [
      { path: what, message: `expected host:port, got '${value}'` },
    ]);
  }
  return ep;
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/** A wildcard bind address is not something to connect to: talk to loopback instead. */
export function connectableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

/** Base URL for talking to a server bound at `address` (`host:port`). */
export function baseUrl(address: string, what: string): string {
  const ep = parseHostPort(address, what);
  return `http://${formatHostPort({ host: connectableHost(ep.host), port: ep.port })}`;
}
