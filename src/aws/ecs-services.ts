import {
  DescribeServicesCommand,
  ListServicesCommand,
  type ECSClient,
  type Service,
  type Tag,
} from '@aws-sdk/client-ecs';
import type { AwsRunner } from './call.js';
import { CHIMERA_TAGS, versionResourceName } from './naming.js';

export const ROLE_TAG = 'chimera:role';

/** The value of one tag on an ECS service. */
export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}

/**
 * Finds the ECS services of one Chimera service by version, following the naming scheme in `naming.ts`:
 * version V runs as `<base>-<V>`; the seed service `<base>` counts as the stable version until it is retired.
 * Used by the `ecs` platform and by the `cloudwatch` provider (to learn a version's task family or target group).
 */
export class EcsServiceLookup {
  constructor(
    private readonly ecs: ECSClient,
    private readonly aws: AwsRunner,
    readonly cluster: string,
    readonly base: string,
  ) {}

  /** ACTIVE services among `names` (at most 10 per call, AWS's limit), with their tags. */
  async describe(names: string[], signal: AbortSignal): Promise<Service[]> {
    const found: Service[] = [];
    for (let i = 0; i < names.length; i += 10) {
      const chunk = names.slice(i, i + 10);
      const out = await this.aws.run(
        'DescribeServices',
        `services ${chunk.join(', ')} in cluster ${this.cluster}`,
        signal,
        (s) =>
          this.ecs.send(new DescribeServicesCommand({ cluster: this.cluster, services: chunk, include: ['TAGS'] }), {
            abortSignal: s,
          }),
      );
      found.push(...(out.services ?? []).filter((svc) => svc.status === 'ACTIVE'));
    }
    return found;
  }

  /**
   * The service running `version`: `<base>-<version>` when it exists, else the seed `<base>` when it is tagged
   * with that version, or untagged and asked for as the stable version (the user's service before Chimera).
   */
  async forVersion(version: string, role: 'stable' | 'canary', signal: AbortSignal): Promise<Service | undefined> {
    const own = versionResourceName(this.base, version);
    const services = await this.describe([own, this.base], signal);
    const byName = services.find((s) => s.serviceName === own);
    if (byName) return byName;
    const seed = services.find((s) => s.serviceName === this.base);
    if (!seed) return undefined;
    const tagged = tagValue(seed.tags, CHIMERA_TAGS.version);
    return tagged === version || (tagged === undefined && role === 'stable') ? seed : undefined;
  }

  /** The stable service to clone a canary from: the seed while it runs, else the one tagged `chimera:role=stable`. */
  async stable(signal: AbortSignal): Promise<Service | undefined> {
    const all = await this.all(signal);
    return all.find((s) => s.serviceName === this.base) ?? all.find((s) => tagValue(s.tags, ROLE_TAG) === 'stable');
  }

  /** Every ACTIVE service of this Chimera service: the seed and those tagged `chimera:service=<base>`. */
  async all(signal: AbortSignal): Promise<Service[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.aws.run('ListServices', `services in cluster ${this.cluster}`, signal, (s) =>
        this.ecs.send(new ListServicesCommand({ cluster: this.cluster, nextToken, maxResults: 100 }), {
          abortSignal: s,
        }),
      );
      arns.push(...(out.serviceArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    // Only names that can belong to us are described, so a big cluster costs few calls.
    const names = arns
      .map((a) => a.split('/').pop() ?? a)
      .filter((n) => n === this.base || n.startsWith(`${this.base}-`));
    const services = await this.describe(names, signal);
    return services.filter((s) => s.serviceName === this.base || tagValue(s.tags, CHIMERA_TAGS.service) === this.base);
  }
}
