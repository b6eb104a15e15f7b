import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, errorMessage } from '../errors.js';

/**
 * Where the API server is and how to authenticate, resolved from a kubeconfig or the in-cluster service account.
 *
 * Why not `@kubernetes/client-node`'s KubeConfig: version 2.0.1 cannot be imported on Node 20 (its undici 8
 * dependency needs zlib zstd from Node 22). This covers what Chimera needs: server, CA, client certificates, bearer
 * tokens (inline, file, or the rotating in-cluster token) and basic auth. Exec and auth-provider plugins are not
 * supported and are reported as a ConfigError.
 */
export interface KubeConnection {
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify?: boolean;
  /** Authorization header value, read per request (service-account tokens rotate on disk). */
  authorization?: () => string | undefined;
  /** The context's namespace, when it names one. */
  namespace?: string;
}

interface NamedCluster {
  name: string;
  cluster: Record<string, unknown>;
}
interface NamedUser {
  name: string;
  user?: Record<string, unknown>;
}
interface NamedContext {
  name: string;
  context: { cluster: string; user?: string; namespace?: string };
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function fail(path: string, message: string, file?: string): never {
  throw new ConfigError(`kubeconfig${file ? ` ${file}` : ''}: ${message}`, [{ path, message }], file);
}

/** The in-cluster connection (a pod's service account), or undefined outside a cluster. */
export function inClusterConnection(): KubeConnection | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(join(SA_DIR, 'token'))) return undefined;
  const conn: KubeConnection = {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`),
    ca: readFileSync(join(SA_DIR, 'ca.crt')),
    authorization: () => `Bearer ${readFileSync(join(SA_DIR, 'token'), 'utf8').trim()}`,
  };
  if (existsSync(join(SA_DIR, 'namespace'))) conn.namespace = readFileSync(join(SA_DIR, 'namespace'), 'utf8').trim();
  return conn;
}

/**
 * Loads a connection: `file` if given, else $KUBECONFIG (first file), else the in-cluster service account, else
 * ~/.kube/config. `context` overrides the current context.
 */
export function loadConnection(file?: string, context?: string): KubeConnection {
  if (!file) {
    const env = process.env.KUBECONFIG?.split(':').find((f) => f !== '');
    if (env) file = env;
    else {
      const inCluster = inClusterConnection();
      if (inCluster) return inCluster;
      file = join(homedir(), '.kube', 'config');
    }
  }
  let doc: {
    clusters?: NamedCluster[];
    users?: NamedUser[];
    contexts?: NamedContext[];
    'current-context'?: string;
  };
  try {
    doc = (parse(readFileSync(file, 'utf8')) ?? {}) as typeof doc;
  } catch (err) {
    return fail('kubeconfig', `cannot read: ${errorMessage(err)}`, file);
  }
  const ctxName = context ?? doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName);
  if (!ctx) {
    const known = (doc.contexts ?? []).map((c) => c.name).join(', ') || 'none';
    return fail('context', `no context '${ctxName ?? ''}' (contexts: ${known})`, file);
  }
  const cluster = doc.clusters?.find((c) => c.name === ctx.context.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') {
    return fail('clusters', `context '${ctx.name}' names cluster '${ctx.context.cluster}' without a server`, file);
  }
  const user = doc.users?.find((u) => u.name === ctx.context.user)?.user ?? {};
  const base = dirname(resolve(file));
  const bytes = (data: unknown, path: unknown): Buffer | undefined => {
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    if (typeof path === 'string') return readFileSync(isAbsolute(path) ? path : join(base, path));
    return undefined;
  };
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    return fail(
      'users',
      `user '${ctx.context.user ?? ''}' uses an exec or auth-provider plugin, which Chimera does not support; use a token or client certificate`,
      file,
    );
  }
  const conn: KubeConnection = { server: new URL(cluster.server) };
  const ca = bytes(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) conn.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) conn.insecureSkipTlsVerify = true;
  const cert = bytes(user['client-certificate-data'], user['client-certificate']);
  const key = bytes(user['client-key-data'], user['client-key']);
  if (cert && key) Object.assign(conn, { cert, key });
  if (typeof user.token === 'string') {
    const token = user.token;
    conn.authorization = () => `Bearer ${token}`;
  } else if (typeof user.tokenFile === 'string') {
    const tokenFile = isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile);
    conn.authorization = () => `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`;
  } else if (typeof user.username === 'string' && typeof user.password === 'string') {
    const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    conn.authorization = () => basic;
  }
  if (ctx.context.namespace) conn.namespace = ctx.context.namespace;
  return conn;
}
