import {
  GetInstancesHealthStatusCommand,
  ListInstancesCommand,
  type ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import type { AwsRunner } from '../../aws/call.js';
import { FAMILY_ATTRIBUTE } from '../../aws/appmesh-nodes.js';

/** Cloud Map service id from a service registry ARN (`arn:aws:servicediscovery:…:service/srv-…`). */
export function cloudMapServiceId(registryArn: string): string {
  return registryArn.split('/').pop() ?? registryArn;
}

/**
 * Tasks of one task family that Cloud Map reports HEALTHY — what App Mesh will actually send traffic to.
 * The original Chimera polled GetInstancesHealthStatus the same way before shifting any traffic.
 */
export async function healthyInstances(
  sd: ServiceDiscoveryClient,
  aws: AwsRunner,
  registryArn: string,
  family: string,
  signal: AbortSignal,
): Promise<number> {
  const serviceId = cloudMapServiceId(registryArn);
  const what = `Cloud Map service ${serviceId}`;
  const ids = new Set<string>();
  let token: string | undefined;
  do {
    const page = await aws.run('ListInstances', what, signal, (s) =>
      sd.send(new ListInstancesCommand({ ServiceId: serviceId, NextToken: token }), { abortSignal: s }),
    );
    for (const inst of page.Instances ?? []) {
      if (inst.Id && inst.Attributes?.[FAMILY_ATTRIBUTE] === family) ids.add(inst.Id);
    }
    token = page.NextToken;
  } while (token);
  if (ids.size === 0) return 0;
  let healthy = 0;
  token = undefined;
  do {
    const page = await aws.run('GetInstancesHealthStatus', what, signal, (s) =>
      sd.send(new GetInstancesHealthStatusCommand({ ServiceId: serviceId, NextToken: token }), { abortSignal: s }),
    );
    for (const [id, status] of Object.entries(page.Status ?? {})) if (ids.has(id) && status === 'HEALTHY') healthy++;
    token = page.NextToken;
  } while (token);
  return healthy;
}
