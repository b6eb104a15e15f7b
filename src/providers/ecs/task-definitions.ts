import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { AwsRunner } from '../../aws/call.js';
import { AwsProviderError } from '../../aws/errors.js';
import type { EcsConfig } from './config.js';
import { familyOf, versionTags } from './service-spec.js';
import { appContainerName, canaryTaskDefinition, sameContainers } from './task-definition.js';

/** A task definition with the tags DescribeTaskDefinition returns beside it. */
export type TaggedTaskDefinition = TaskDefinition & { tags?: Tag[] };

/** Task definitions of versions, shared by both ECS flavours (separate services, or task sets of one service). */
export class TaskDefinitions {
  /** Revisions are immutable: one read per ARN. */
  private readonly cache = new Map<string, TaggedTaskDefinition>();

  constructor(
    private readonly ecs: ECSClient,
    private readonly aws: AwsRunner,
    private readonly config: EcsConfig,
  ) {}

  async get(arn: string, signal: AbortSignal): Promise<TaggedTaskDefinition> {
    const cached = this.cache.get(arn);
    if (cached) return cached;
    const out = await this.aws.run('DescribeTaskDefinition', `task definition ${arn}`, signal, (s) =>
      this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }), { abortSignal: s }),
    );
    const td: TaggedTaskDefinition = { ...out.taskDefinition!, ...(out.tags ? { tags: out.tags } : {}) };
    if (/:\d+$/.test(arn)) this.cache.set(arn, td);
    return td;
  }

  /** Registers the canary's task definition, or reuses the latest one if a crashed deploy registered it already. */
  async registerCanary(
    stableTd: TaggedTaskDefinition,
    family: string,
    version: string,
    inMesh: boolean,
    signal: AbortSignal,
  ): Promise<string> {
    const container = appContainerName(stableTd, this.config.envoyContainer, this.config.container);
    const input = canaryTaskDefinition(stableTd, {
      family,
      container,
      image: this.config.image.replaceAll('{version}', version),
      envoyContainer: this.config.envoyContainer,
      ...(inMesh ? { virtualNode: family } : {}),
      tags: versionTags(stableTd.tags, this.config.service, version, 'canary'),
    });
    const [latest] = (await this.activeRevisions(family, signal)).slice(-1);
    if (latest && sameContainers(await this.get(latest, signal), input)) return latest;
    const out = await this.aws.run('RegisterTaskDefinition', `task definition family ${family}`, signal, (s) =>
      this.ecs.send(new RegisterTaskDefinitionCommand(input), { abortSignal: s }),
    );
    return out.taskDefinition!.taskDefinitionArn!;
  }

  /** ACTIVE revisions of exactly this family, oldest first. */
  async activeRevisions(family: string, signal: AbortSignal): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.aws.run('ListTaskDefinitions', `task definition family ${family}`, signal, (s) =>
        this.ecs.send(
          new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'ASC', nextToken }),
          {
            abortSignal: s,
          },
        ),
      );
      arns.push(...(out.taskDefinitionArns ?? []).filter((a) => familyOf(a) === family));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns;
  }

  /** Deregisters revisions; one already gone is fine. */
  async deregister(arns: string[], signal: AbortSignal): Promise<void> {
    for (const arn of arns) {
      try {
        await this.aws.run('DeregisterTaskDefinition', `task definition ${arn}`, signal, (s) =>
          this.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }), { abortSignal: s }),
        );
      } catch (err) {
        if (!(err instanceof AwsProviderError && err.kind === 'not-found')) throw err;
      }
    }
  }
}
