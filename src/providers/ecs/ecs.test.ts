import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { silentLogger } from '../../logger.js';
import { ecsPlatformConfig } from './config.js';
import { createPlatform } from './index.js';
import { canaryService, canaryTargetGroup, familyOf } from './service-spec.js';
import { appContainerName, canaryTaskDefinition, meshIdentity } from './task-definition.js';

const stableTd: TaskDefinition = {
  family: 'web',
  cpu: '256',
  memory: '512',
  networkMode: 'awsvpc',
  containerDefinitions: [
    { name: 'app', image: 'web:1', environment: [{ name: 'MODE', value: 'prod' }] },
    {
      name: 'envoy',
      image: 'envoy:1',
      user: '1337',
      environment: [
        { name: 'APPMESH_RESOURCE_ARN', value: 'arn:aws:appmesh:eu-west-1:123456789012:mesh/shop/virtualNode/web' },
      ],
    },
  ],
  proxyConfiguration: {
    type: 'APPMESH',
    containerName: 'envoy',
    properties: [{ name: 'APPMESH_VIRTUAL_NODE_NAME', value: 'mesh/shop/virtualNode/web' }],
  },
};

describe('ecs config', () => {
  const base = { kind: 'ecs', region: 'eu-west-1', cluster: 'shop', service: 'web', image: 'web:{version}' };
  it('fills defaults and turns durations into ms', () => {
    expect(ecsPlatformConfig.parse(base)).toMatchObject({
      flavour: 'service',
      envoyContainer: 'envoy',
      maxAttempts: 5,
      requestTimeout: 15_000,
    });
  });
  it('rejects an image without {version} and an unknown field', () => {
    expect(ecsPlatformConfig.safeParse({ ...base, image: 'web:latest' }).success).toBe(false);
    expect(ecsPlatformConfig.safeParse({ ...base, accessKey: 'x' }).success).toBe(false);
  });
  it('builds the task-set flavour for services with the EXTERNAL deployment controller', async () => {
    const config = ecsPlatformConfig.parse({ ...base, flavour: 'task-set' });
    const platform = await createPlatform(config, { service: 'web', dataDir: '/tmp', log: silentLogger });
    expect(platform.constructor.name).toBe('EcsTaskSetPlatform');
    await platform.close();
  });
});

describe('canary task definition', () => {
  it('changes family, image and Envoy node only', () => {
    const td = canaryTaskDefinition(stableTd, {
      family: 'web-2',
      container: 'app',
      image: 'web:2',
      envoyContainer: 'envoy',
      virtualNode: 'web-2',
      tags: [],
    });
    expect(td.family).toBe('web-2');
    expect(td.containerDefinitions![0]).toEqual({
      name: 'app',
      image: 'web:2',
      environment: [{ name: 'MODE', value: 'prod' }],
    });
    expect(td.containerDefinitions![1]).toMatchObject({ image: 'envoy:1', user: '1337' });
    expect(meshIdentity({ ...stableTd, ...td }, 'envoy')).toMatchObject({
      mesh: 'shop',
      virtualNode: 'web-2',
    });
    expect(td.proxyConfiguration!.properties).toEqual([
      { name: 'APPMESH_VIRTUAL_NODE_NAME', value: 'mesh/shop/virtualNode/web-2' },
    ]);
    expect([td.cpu, td.memory, td.networkMode]).toEqual(['256', '512', 'awsvpc']);
  });
  it('asks which container when there are several applications', () => {
    const two = {
      ...stableTd,
      containerDefinitions: [...stableTd.containerDefinitions!, { name: 'worker', image: 'w:1' }],
    };
    expect(() => appContainerName(two, 'envoy')).toThrow(ConfigError);
    expect(appContainerName(two, 'envoy', 'worker')).toBe('worker');
  });
});

describe('canary service', () => {
  const stable: Service = {
    serviceName: 'web',
    clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/shop',
    launchType: 'FARGATE',
    loadBalancers: [{ targetGroupArn: 'tg-a', containerName: 'app', containerPort: 8080 }],
    tags: [{ key: 'team', value: 'shop' }],
  };
  it('alternates target groups and keeps the launch type and tags', () => {
    expect(canaryTargetGroup(stable, ['tg-a', 'tg-b'])).toBe('tg-b');
    expect(canaryTargetGroup(stable, ['tg-b', 'tg-a'])).toBe('tg-b');
    expect(() => canaryTargetGroup(stable, undefined)).toThrow(ConfigError);
    expect(() => canaryTargetGroup(stable, ['tg-x', 'tg-y'])).toThrow(ConfigError);
    const input = canaryService(stable, {
      name: 'web-2',
      base: 'web',
      version: '2',
      taskDefinitionArn: 'td',
      desiredCount: 2,
      targetGroupArn: 'tg-b',
    });
    expect(input).toMatchObject({
      serviceName: 'web-2',
      launchType: 'FARGATE',
      loadBalancers: [{ targetGroupArn: 'tg-b', containerPort: 8080 }],
    });
    expect(input.tags).toEqual([
      { key: 'team', value: 'shop' },
      { key: 'chimera:service', value: 'web' },
      { key: 'chimera:version', value: '2' },
      { key: 'chimera:role', value: 'canary' },
    ]);
  });
  it('reads the family from a task definition ARN', () => {
    expect(familyOf('arn:aws:ecs:eu-west-1:123456789012:task-definition/web-2-0:7')).toBe('web-2-0');
  });
});
