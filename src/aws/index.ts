/**
 * Shared AWS plumbing for the `ecs`, `appmesh`, `alb` and `cloudwatch` providers and `chimera aws`:
 * client options (region, endpoint override, standard credential chain, timeouts), one retry loop with backoff
 * for throttling and transient failures, and the mapping of SDK errors to `AwsProviderError`.
 * No AWS SDK is imported here.
 */
export { awsConnectionFields, awsConnectionSchema, awsNameSchema, type AwsConnection } from './config.js';
export { awsClientConfig, type AwsClientConfig } from './client.js';
export { awsCall, AwsRunner, type AwsCallOptions } from './call.js';
export { AwsProviderError, awsErrorCode, classifyAwsError, toAwsProviderError, type AwsFailureKind } from './errors.js';
export { versionSlug, versionResourceName, CHIMERA_TAGS } from './naming.js';
