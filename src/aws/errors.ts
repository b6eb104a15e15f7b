import { ProviderError } from '../errors.js';

/** What went wrong with an AWS call, in the terms the rest of Chimera branches on. */
export type AwsFailureKind = 'denied' | 'not-found' | 'throttled' | 'transient' | 'invalid' | 'conflict';

/**
 * A failed AWS call. A `ProviderError` (so the controller treats it like any provider failure) that also says
 * which operation failed, AWS's own error code and what kind of failure it was. Callers branch on `kind`,
 * never on the message.
 */
export class AwsProviderError extends ProviderError {
  constructor(
    message: string,
    provider: string,
    readonly kind: AwsFailureKind,
    readonly operation: string,
    readonly awsCode: string,
    options?: { cause?: unknown },
  ) {
    super(message, provider, kind === 'throttled' || kind === 'transient', options);
  }
}

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ForbiddenException', // App Mesh's access denied
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
]);
const TRANSIENT = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerErrorException',
  'ServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);
const CONFLICT = new Set(['ConflictException', 'ResourceInUseException', 'ResourceInUse', 'DuplicateTargetGroupName']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** AWS's error code of an SDK error (`name` for service errors, `code` for Node socket errors). */
export function awsErrorCode(err: unknown): string {
  const e = (err ?? {}) as SdkErrorShape;
  return e.code && /^E[A-Z]+$/.test(e.code) ? e.code : (e.name ?? e.code ?? 'Unknown');
}

/** Classifies an SDK or network error. Unknown 5xx are transient; unknown 4xx are the caller's mistake. */
export function classifyAwsError(err: unknown): AwsFailureKind {
  const code = awsErrorCode(err);
  const e = (err ?? {}) as SdkErrorShape;
  if (DENIED.has(code)) return 'denied';
  if (THROTTLED.has(code)) return 'throttled';
  if (TRANSIENT.has(code)) return 'transient';
  if (CONFLICT.has(code)) return 'conflict';
  // Every AWS service names its missing-resource errors differently: NotFoundException (App Mesh),
  // ServiceNotFoundException / ClusterNotFoundException (ECS), TargetGroupNotFound (ELBv2), ResourceNotFound (CW).
  if (/NotFound/i.test(code) || code === 'NoSuchEntity') return 'not-found';
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return 'throttled';
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return 'transient';
  if (status === 403) return 'denied';
  if (status === 404) return 'not-found';
  if (status === undefined && e.$fault === undefined) return 'transient'; // a socket error, no answer at all
  return 'invalid';
}

/**
 * Turns any SDK error into an `AwsProviderError` whose message says what Chimera was doing, on which resource,
 * and what to do about it. Credentials never appear: SDK error messages do not carry them and we add none.
 */
export function toAwsProviderError(err: unknown, provider: string, operation: string, what: string): AwsProviderError {
  if (err instanceof AwsProviderError) return err;
  const kind = classifyAwsError(err);
  const code = awsErrorCode(err);
  const detail = ((err as SdkErrorShape | undefined)?.message ?? String(err)).split('\n')[0];
  const hint: Record<AwsFailureKind, string> = {
    denied: `AWS denied ${operation} on ${what}: the credentials in use lack this permission (see \`chimera aws iam-policy\`)`,
    'not-found': `${what} does not exist (${operation})`,
    throttled: `AWS throttled ${operation} on ${what}; gave up after retries`,
    transient: `AWS ${operation} on ${what} failed (transient)`,
    invalid: `AWS rejected ${operation} on ${what}`,
    conflict: `AWS ${operation} on ${what} conflicts with the current state`,
  };
  return new AwsProviderError(`${hint[kind]}: ${code}: ${detail}`, provider, kind, operation, code, { cause: err });
}
