import { ConfigError } from '../errors.js';
import type { AwsConnection } from './config.js';

/** The options every SDK v3 client of Chimera is built with. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  profile?: string;
  /** Chimera retries itself (see `awsCall`) so that backoff is visible, abortable and tested; the SDK tries once. */
  maxAttempts: 1;
  requestHandler: { requestTimeout: number; connectionTimeout: number; throwOnRequestTimeout: true };
}

/**
 * Client options from a connection config. No credentials are ever passed: the SDK resolves them from the
 * standard chain (environment, profile, SSO, container/instance role), and nothing here logs them.
 *
 * @example
 * const ecs = new ECSClient(awsClientConfig({ region: 'eu-west-1', maxAttempts: 5, requestTimeout: 15000 }));
 */
export function awsClientConfig(conn: AwsConnection, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const region = conn.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigError('no AWS region: set `region` in the provider config or AWS_REGION in the environment', [
      { path: 'region', message: 'required (or AWS_REGION)' },
    ]);
  }
  const config: AwsClientConfig = {
    region,
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: conn.requestTimeout,
      connectionTimeout: Math.min(conn.requestTimeout, 5_000),
      throwOnRequestTimeout: true,
    },
  };
  if (conn.endpoint) config.endpoint = conn.endpoint;
  if (conn.profile) config.profile = conn.profile;
  return config;
}
