import { CanaryError, ConfigError, ProviderError, errorMessage } from '../../errors.js';

/** Where a database URL points, for messages: never the password. */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** The URL with any password replaced by `***`. */
  redacted: string;
}

/**
 * Checks a database URL and says where it points. A malformed URL is a ConfigError that shows the URL with its
 * password masked, never the password itself.
 */
export function parseDatabaseUrl(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`database URL is not a URL (expected postgres://user:password@host:5432/database)`);
  }
  const redacted = redactUrl(u);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ConfigError(`database URL ${redacted}: the scheme must be postgres:// or postgresql://`);
  }
  const portText = u.port || u.searchParams.get('port') || '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`database URL ${redacted}: port '${portText}' is not a port number`);
  }
  // libpq URLs may name a Unix socket folder in ?host= instead of a host name.
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  return {
    host,
    port,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres',
    user: decodeURIComponent(u.username) || process.env.PGUSER || 'postgres',
    redacted,
  };
}

function redactUrl(u: URL): string {
  const copy = new URL(u.href);
  if (copy.password) copy.password = '***';
  for (const key of ['password', 'sslpassword']) if (copy.searchParams.has(key)) copy.searchParams.set(key, '***');
  return copy.href;
}

/** SQLSTATE classes and codes worth retrying: the connection or server went away, a lock or snapshot lost. */
const RETRIABLE_STATES = new Set(['40001', '40P01', '53300', '55P03', '57P01', '57P02', '57P03', '57014']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Maps a `pg` failure to Chimera's catalogue. Our own errors (ConflictError, NotFoundError) pass through.
 * Credentials or a missing database: ConfigError (retrying will not help, the URL must change). The network or
 * a restarting server: retriable ProviderError. Messages name host:port, never the password.
 */
export function toChimeraError(err: unknown, target: PgTarget, password?: string): Error {
  if (err instanceof CanaryError) return err;
  const where = `postgres at ${target.host}:${target.port}`;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const message = scrub(errorMessage(err), password);
  if (code === '28P01' || code === '28000') {
    return new ConfigError(`${where} refused the credentials of user '${target.user}': ${message}`);
  }
  if (code === '3D000') return new ConfigError(`${where}: database '${target.database}' does not exist`);
  if (code === 'ENOTFOUND') return new ConfigError(`${where}: host '${target.host}' is not known`);
  // The driver raises these before any SQLSTATE exists; its message is all there is to go on.
  if (/client password must be a string|password must be provided/i.test(message)) {
    return new ConfigError(`${where} asks user '${target.user}' for a password and the database URL has none`);
  }
  if (/does not support SSL/i.test(message)) {
    return new ConfigError(`${where} does not accept TLS, but the database URL asks for it (sslmode): ${message}`);
  }
  if (NETWORK_CODES.has(code)) {
    return new ProviderError(`${where} is unreachable (${code}): ${message}`, 'postgres', true, { cause: err });
  }
  const retriable =
    RETRIABLE_STATES.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    );
  return new ProviderError(`${where}: ${message}${code ? ` (SQLSTATE ${code})` : ''}`, 'postgres', retriable, {
    cause: err,
  });
}

/** Belt and braces: a driver message never carries the password, but if one ever did, it is masked here. */
function scrub(message: string, password: string | undefined): string {
  return password ? message.split(password).join('***') : message;
}
