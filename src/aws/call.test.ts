import { ECSServiceException } from '@aws-sdk/client-ecs';
import { AppMeshServiceException, NotFoundException } from '@aws-sdk/client-app-mesh';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.js';
import { awsCall } from './call.js';
import { AwsProviderError, classifyAwsError } from './errors.js';

// Hand-made SDK errors: moto never throttles or denies, so these paths are exercised with the SDK's own types.
const throttling = (): ECSServiceException =>
  new ECSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
const denied = (): ECSServiceException =>
  new ECSServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:CreateService',
  });
const opts = (signal = AbortSignal.timeout(10_000)) => ({
  provider: 'ecs',
  operation: 'CreateService',
  what: 'service web-2',
  signal,
  maxAttempts: 4,
  baseDelayMs: 1,
});

describe('awsCall', () => {
  it('retries throttling with backoff and returns the eventual answer', async () => {
    let calls = 0;
    const out = await awsCall(() => {
      calls++;
      return calls < 3 ? Promise.reject(throttling()) : Promise.resolve('ok');
    }, opts());
    expect(out).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after maxAttempts with a retriable ProviderError', async () => {
    let calls = 0;
    const err = await awsCall(() => {
      calls++;
      return Promise.reject(throttling());
    }, opts()).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({
      kind: 'throttled',
      retriable: true,
      awsCode: 'ThrottlingException',
      operation: 'CreateService',
    });
  });

  it('fails AccessDenied at once, not retriable, naming the operation and where to find the policy', async () => {
    let calls = 0;
    const err = (await awsCall(() => {
      calls++;
      return Promise.reject(denied());
    }, opts()).catch((e: unknown) => e)) as AwsProviderError;
    expect(calls).toBe(1);
    expect(err).toBeInstanceOf(AwsProviderError);
    expect(err.retriable).toBe(false);
    expect(err.kind).toBe('denied');
    expect(err.message).toMatch(/denied CreateService on service web-2.*chimera aws iam-policy/);
  });

  it('maps a missing resource to a clear not-found error', async () => {
    const missing = new NotFoundException({ $metadata: { httpStatusCode: 404 }, message: 'Route not found' });
    const err = (await awsCall(() => Promise.reject(missing), {
      ...opts(),
      operation: 'DescribeRoute',
      what: 'route web-route',
    }).catch((e: unknown) => e)) as AwsProviderError;
    expect(err.kind).toBe('not-found');
    expect(err.message).toMatch(/^route web-route does not exist \(DescribeRoute\)/);
  });

  it('stops retrying when the caller aborts', async () => {
    const ac = new AbortController();
    let calls = 0;
    const err = await awsCall(() => {
      calls++;
      ac.abort(new Error('deadline'));
      return Promise.reject(throttling());
    }, opts(ac.signal)).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((err as Error).message).toBe('deadline');
  });
});

describe('classifyAwsError', () => {
  it.each([
    [{ name: 'ServiceUnavailableException', $fault: 'server', $metadata: { httpStatusCode: 503 } }, 'transient'],
    [{ name: 'Whatever', $fault: 'server', $metadata: { httpStatusCode: 500 } }, 'transient'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'transient'],
    [{ name: 'TooManyRequestsException', $fault: 'client', $metadata: { httpStatusCode: 429 } }, 'throttled'],
    [{ name: 'ServiceNotFoundException', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'not-found'],
    [{ name: 'TargetGroupNotFound', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'not-found'],
    [{ name: 'ResourceInUseException', $fault: 'client', $metadata: { httpStatusCode: 409 } }, 'conflict'],
    [{ name: 'InvalidParameterException', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'invalid'],
    [{ name: 'UnrecognizedClientException', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'denied'],
  ])('%o is %s', (err, kind) => {
    expect(classifyAwsError(err)).toBe(kind);
  });

  it('reads the service exception classes the SDK throws', () => {
    const e = new AppMeshServiceException({ name: 'TooManyRequestsException', $fault: 'client', $metadata: {} });
    expect(classifyAwsError(e)).toBe('throttled');
  });
});
