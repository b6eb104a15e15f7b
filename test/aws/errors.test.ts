import { AppMeshClient, AppMeshServiceException, DescribeMeshCommand } from '@aws-sdk/client-app-mesh';
import { describe, expect, it } from 'vitest';
import { AwsRunner } from '../../src/aws/call.js';
import { AwsProviderError } from '../../src/aws/errors.js';
import { useEmulatorCompat } from '../../src/aws/emulator-compat.js';
import { ProviderError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { AppMeshRouter } from '../../src/providers/appmesh/appmesh-router.js';
import { appMeshRouterConfig } from '../../src/providers/appmesh/config.js';
import { clientConfig, createMeshStack, REGIONS, uniquePrefix } from './fixtures.js';
import { motoAvailable, motoEndpoint, useMotoCredentials } from './moto.js';

const REGION = REGIONS.errors;
const endpoint = motoEndpoint();
const available = await motoAvailable(endpoint);
const ctx = { service: 'web', dataDir: '/tmp', log: silentLogger };
const signal = (): AbortSignal => AbortSignal.timeout(30_000);

/** An App Mesh client whose first `failures` calls fail with `error` before reaching moto (what AWS would answer). */
function flakyClient(error: () => Error, failures: number): { client: AppMeshClient; calls: () => number } {
  const client = new AppMeshClient(clientConfig(endpoint!, REGION));
  useEmulatorCompat(client);
  let calls = 0;
  client.middlewareStack.add(
    (next) => (args) => {
      calls++;
      if (calls <= failures) return Promise.reject(error());
      return next(args);
    },
    { step: 'initialize', name: 'injectFailures' },
  );
  return { client, calls: () => calls };
}

const sdkError = (name: string, message: string): AppMeshServiceException =>
  new AppMeshServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });

describe.skipIf(!available)('AWS error paths against moto', () => {
  it('a route that does not exist is a clear, non-retriable not-found error', async () => {
    useMotoCredentials();
    const stack = await createMeshStack(endpoint!, REGION, uniquePrefix('err'));
    const router = new AppMeshRouter(
      appMeshRouterConfig.parse({
        kind: 'appmesh',
        region: REGION,
        endpoint,
        mesh: stack.mesh,
        virtualRouter: stack.virtualRouter,
        route: 'no-such-route',
      }),
      ctx,
      { retryBaseDelayMs: 1 },
    );
    const stable = {
      service: 'web',
      version: '1.0',
      role: 'stable' as const,
      desired: 1,
      ready: 1,
      endpoints: [],
      refs: { virtualNode: 'web' },
    };
    const err = await router.reconcile({ stable }, signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsProviderError);
    expect(err).toMatchObject({ kind: 'not-found', retriable: false, operation: 'DescribeRoute' });
    expect((err as Error).message).toMatch(
      /route no-such-route of virtual router web-router in mesh .* does not exist/,
    );
    await router.close();
  });

  it('throttling is retried with backoff and the real answer comes through', async () => {
    useMotoCredentials();
    const stack = await createMeshStack(endpoint!, REGION, uniquePrefix('thr'));
    const { client, calls } = flakyClient(() => sdkError('TooManyRequestsException', 'Rate exceeded'), 2);
    const out = await new AwsRunner('appmesh', 5, 1).run('DescribeMesh', `mesh ${stack.mesh}`, signal(), (s) =>
      client.send(new DescribeMeshCommand({ meshName: stack.mesh }), { abortSignal: s }),
    );
    expect(out.mesh?.meshName).toBe(stack.mesh);
    expect(calls()).toBe(3);
    client.destroy();
  });

  it('AccessDenied fails at once with a message pointing at the IAM policy, and no secret in it', async () => {
    useMotoCredentials();
    const { client, calls } = flakyClient(
      () =>
        sdkError(
          'ForbiddenException',
          'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: appmesh:DescribeMesh',
        ),
      99,
    );
    const err = await new AwsRunner('appmesh', 5, 1)
      .run('DescribeMesh', 'mesh shop', signal(), (s) =>
        client.send(new DescribeMeshCommand({ meshName: 'shop' }), { abortSignal: s }),
      )
      .catch((e: unknown) => e);
    expect(calls()).toBe(1);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'denied', retriable: false });
    expect((err as Error).message).toMatch(/AWS denied DescribeMesh on mesh shop.*chimera aws iam-policy/);
    expect((err as Error).message).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
    client.destroy();
  });
});
