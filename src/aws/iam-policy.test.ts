import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chimeraIamPolicy, policyActions } from './iam-policy.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SCANNED = [
  'src/aws',
  'src/providers/ecs',
  'src/providers/appmesh',
  'src/providers/alb',
  'src/providers/cloudwatch',
];
const PREFIX: Record<string, string> = {
  'client-ecs': 'ecs',
  'client-app-mesh': 'appmesh',
  'client-elastic-load-balancing-v2': 'elasticloadbalancing',
  'client-cloudwatch': 'cloudwatch',
  'client-servicediscovery': 'servicediscovery',
  'client-ec2': 'ec2',
  'client-iam': 'iam',
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Every `new XCommand(` in Chimera's AWS code, as the IAM action it needs (`ecs:CreateService`). */
function actionsCalled(): string[] {
  const found = new Set<string>();
  for (const file of SCANNED.flatMap((d) => files(join(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const imp of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/([a-z0-9-]+)'/g)) {
      const service = PREFIX[imp[2]!];
      if (!service) continue;
      for (const name of imp[1]!.matchAll(/(\w+)Command\b/g)) {
        if (text.includes(`new ${name[1]}Command(`)) found.add(`${service}:${name[1]}`);
      }
    }
  }
  return [...found].sort();
}

describe('chimeraIamPolicy', () => {
  it('allows every AWS action Chimera calls, and nothing it never calls', () => {
    const called = actionsCalled();
    expect(called.length).toBeGreaterThan(20);
    const allowed = policyActions({ setup: true });
    expect(called.filter((a) => !allowed.includes(a))).toEqual([]);
    // iam:PassRole is implied by RegisterTaskDefinition with roles; nothing else is allowed without a call.
    expect(allowed.filter((a) => !called.includes(a))).toEqual(['iam:PassRole']);
  });

  it('scopes ECS services and App Mesh resources when told where', () => {
    const doc = chimeraIamPolicy({ region: 'eu-west-1', account: '123456789012', cluster: 'shop', mesh: 'shop' });
    const byId = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
    expect(byId.EcsVersions!.Resource).toBe('arn:aws:ecs:eu-west-1:123456789012:service/shop/*');
    expect(byId.AppMeshRoutes!.Resource).toEqual([
      'arn:aws:appmesh:eu-west-1:123456789012:mesh/shop/virtualNode/*',
      'arn:aws:appmesh:eu-west-1:123456789012:mesh/shop/virtualRouter/*/route/*',
    ]);
    expect(byId.PassTaskRoles!.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    expect(doc.Statement.some((s) => s.Sid.startsWith('Setup'))).toBe(false);
  });
});
