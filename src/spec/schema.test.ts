import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { ConfigIssue } from '../errors.js';
import { validateSpec } from './load.js';
import { localPlatform } from './test-helpers.js';
import { PLATFORM_KINDS, ROUTER_KINDS } from './providers.js';

/** A minimal valid document with `spec` fields merged in. */
function doc(spec: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'chimera.dev/v1',
    kind: 'Canary',
    metadata: { name: 'checkout' },
    spec: { platform: { kind: 'local', command: ['node', 'server.js'] }, ...spec },
    ...top,
  };
}

function issuesOf(data: unknown): ConfigIssue[] {
  try {
    validateSpec(data);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the spec to be invalid');
}

describe('canary spec: valid documents', () => {
  it('fills in every default', () => {
    const spec = validateSpec(doc());
    expect(spec.spec.router).toEqual({ kind: 'builtin-proxy', listen: '127.0.0.1:8080', admin: '127.0.0.1:8081' });
    expect(spec.spec.metrics).toEqual({ kind: 'builtin-proxy', admin: '127.0.0.1:8081' });
    expect(spec.spec.strategy).toMatchObject({ steps: [5, 10, 25, 50], interval: 30_000, minRequests: 50 });
    expect(spec.spec.analysis).toMatchObject({
      mode: 'sequential',
      alpha: 0.01,
      onInconclusive: 'pause',
      errorClusterSize: 1,
    });
    expect(spec.spec.analysis.thresholds).toEqual({ maxErrorRate: 5 });
    expect(spec.spec.platform).toMatchObject({ cwd: '.', replicas: 1, readiness: { path: '/healthz' } });
    expect(spec.spec.hooks).toEqual([]);
  });

  it('converts units to milliseconds and percent', () => {
    const spec = validateSpec(
      doc({
        strategy: { steps: ['1%', 5, '12.5%'], interval: '1m30s', deployTimeout: '2m', stepDeadline: '10m' },
        analysis: { interval: '500ms', thresholds: { maxErrorRate: '0.5%', maxP99Latency: '250ms' } },
      }),
    );
    expect(spec.spec.strategy.steps).toEqual([1, 5, 12.5]);
    expect(spec.spec.strategy.interval).toBe(90_000);
    expect(spec.spec.analysis.interval).toBe(500);
    expect(spec.spec.analysis.thresholds).toEqual({ maxErrorRate: 0.5, maxP99Latency: 250 });
  });

  it('takes the metrics address and token variable from the router', () => {
    const spec = validateSpec(
      doc({
        router: { kind: 'builtin-proxy', admin: '127.0.0.1:9001', tokenEnv: 'TOKEN' },
        metrics: { kind: 'builtin-proxy' },
      }),
    );
    expect(spec.spec.metrics).toEqual({ kind: 'builtin-proxy', admin: '127.0.0.1:9001', tokenEnv: 'TOKEN' });
  });

  it('turns scalar environment values into strings', () => {
    const spec = validateSpec(doc({ platform: { kind: 'local', command: 'node s.js', env: { N: 5, DEBUG: true } } }));
    expect(localPlatform(spec).env).toEqual({ N: '5', DEBUG: 'true' });
  });

  it('lets hooks and notifications carry fields added later', () => {
    const spec = validateSpec(
      doc({
        hooks: [{ name: 'gate', type: 'confirm-promotion', url: 'https://example.com/ok', method: 'POST' }],
        notifications: [{ kind: 'slack', urlEnv: 'SLACK_URL', channel: '#deploys' }],
      }),
    );
    expect(spec.spec.hooks[0]).toMatchObject({ timeout: 10_000, retries: 0, method: 'POST' });
    expect(spec.spec.notifications[0]).toMatchObject({ events: [], channel: '#deploys' });
  });
});

describe('canary spec: problems', () => {
  it('requires apiVersion, kind, metadata and platform', () => {
    const issues = issuesOf({ metadata: { name: 'x' }, spec: {} });
    expect(issues.map((i) => i.path)).toEqual(['apiVersion', 'kind', 'spec.platform']);
    expect(issues[0]?.message).toBe("missing required field 'apiVersion'");
  });

  it('rejects a wrong apiVersion and kind by showing what is expected', () => {
    const issues = issuesOf(doc({}, { apiVersion: 'chimera.dev/v2', kind: 'Rollout' }));
    expect(issues).toEqual([
      { path: 'apiVersion', message: "expected 'chimera.dev/v1', got 'chimera.dev/v2'" },
      { path: 'kind', message: "expected 'Canary', got 'Rollout'" },
    ]);
  });

  it('checks the service name is a DNS label', () => {
    for (const name of ['Checkout', 'check_out', '-x', 'a'.repeat(64), '']) {
      expect(issuesOf(doc({}, { metadata: { name } }))[0]?.path).toBe('metadata.name');
    }
  });

  it('reports unknown fields with a suggestion', () => {
    const issues = issuesOf(doc({ strategy: { stepWieght: '10%' }, colour: 'blue' }));
    expect(issues).toEqual([
      { path: 'spec.strategy.stepWieght', message: "unknown field 'stepWieght' (did you mean 'stepWeight'?)" },
      { path: 'spec.colour', message: "unknown field 'colour'" },
    ]);
  });

  it('reports unknown provider kinds with the valid kinds', () => {
    const issues = issuesOf(doc({ platform: { kind: 'nomad' }, router: { kind: 'nginx' }, metrics: { kind: 'prom' } }));
    // Other providers join these unions over time; the message must list every kind the union accepts.
    expect(issues.map((i) => i.message)).toEqual([
      `unknown platform kind 'nomad'; valid kinds: ${[...PLATFORM_KINDS].sort().join(', ')}`,
      `unknown router kind 'nginx'; valid kinds: ${[...ROUTER_KINDS].sort().join(', ')}`,
      expect.stringMatching(/^unknown metrics kind 'prom'(?: \(did you mean '\w+'\?\))?; valid kinds: /),
    ]);
    expect(PLATFORM_KINDS).toContain('local');
    expect(ROUTER_KINDS).toContain('builtin-proxy');
    expect(issues[2]?.message).toContain('builtin-proxy');
    expect(issues[0]?.path).toBe('spec.platform.kind');
    expect(issuesOf(doc({ platform: { command: 'x' } }))[0]?.message).toMatch(
      /^missing platform kind; valid kinds: .*local/,
    );
  });

  it('rejects weights outside 0–100', () => {
    const issues = issuesOf(doc({ strategy: { steps: [0, 50, '101%'] } }));
    expect(issues.map((i) => i.path)).toEqual(['spec.strategy.steps[0]', 'spec.strategy.steps[2]']);
    expect(issuesOf(doc({ strategy: { stepWeight: '-5%' } }))[0]?.path).toBe('spec.strategy.stepWeight');
    expect(issuesOf(doc({ strategy: { stepWeight: 10, maxWeight: 120 } }))[0]?.path).toBe('spec.strategy.maxWeight');
  });

  it('rejects steps that do not increase', () => {
    const issues = issuesOf(doc({ strategy: { steps: [10, 25, 25, 20] } }));
    expect(issues.map((i) => i.path)).toEqual(['spec.strategy.steps[2]', 'spec.strategy.steps[3]']);
    expect(issues[1]?.message).toBe('steps must be strictly increasing: 20% comes after 25%');
  });

  it('names both when steps and stepWeight are given', () => {
    const issues = issuesOf(doc({ strategy: { steps: [10, 20], stepWeight: '5%' } }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain("'steps'");
    expect(issues[0]?.message).toContain("'stepWeight'");
  });

  it('rejects maxWeight without stepWeight and stepWeight above maxWeight', () => {
    expect(issuesOf(doc({ strategy: { maxWeight: 50 } }))[0]?.message).toBe("'maxWeight' needs 'stepWeight'");
    expect(issuesOf(doc({ strategy: { stepWeight: 60, maxWeight: 50 } }))[0]?.path).toBe('spec.strategy.stepWeight');
  });

  it('checks the platform: command, replicas, readiness path', () => {
    const issues = issuesOf(
      doc({ platform: { kind: 'local', command: ['node', ''], replicas: 0, readiness: { path: 'healthz' } } }),
    );
    expect(issues).toEqual([
      { path: 'spec.platform.command[1]', message: "expected a non-empty string, got ''" },
      { path: 'spec.platform.replicas', message: 'must be at least 1, got 0' },
      { path: 'spec.platform.readiness.path', message: 'expected a path starting with /, like /healthz' },
    ]);
    expect(issuesOf(doc({ platform: { kind: 'local' } }))[0]?.message).toBe("missing required field 'command'");
    expect(issuesOf(doc({ platform: { kind: 'local', command: [] } }))[0]?.message).toContain('expected a command');
  });

  it('checks addresses, analysis numbers and enums', () => {
    const issues = issuesOf(
      doc({
        router: { kind: 'builtin-proxy', listen: 'localhost', admin: '127.0.0.1:70000' },
        analysis: {
          alpha: 0.7,
          mode: 'bayes',
          onInconclusive: 'panic',
          maxMetricFailures: 1.5,
          errorClusterSize: 0,
        },
      }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'spec.router.listen',
      'spec.router.admin',
      'spec.analysis.mode',
      'spec.analysis.alpha',
      'spec.analysis.errorClusterSize',
      'spec.analysis.onInconclusive',
      'spec.analysis.maxMetricFailures',
    ]);
    expect(issues[3]?.message).toBe('must be less than 0.5, got 0.7');
    expect(issues[4]?.message).toBe('must be at least 1, got 0');
    expect(issues[5]?.message).toBe("expected one of pause, rollback, got 'panic'");
  });

  it('checks hooks and notifications', () => {
    const issues = issuesOf(
      doc({ hooks: [{ name: 'h', type: 'before', url: 'ftp://x' }], notifications: [{ kind: 'slack' }] }),
    );
    expect(issues.map((i) => i.path)).toEqual(['spec.hooks[0].type', 'spec.hooks[0].url', 'spec.notifications[0].url']);
  });

  it('explains a wrong type', () => {
    expect(issuesOf(doc({ strategy: { minRequests: 'many' } }))[0]?.message).toBe("expected number, got string 'many'");
    expect(issuesOf(doc({ strategy: [] }))[0]?.message).toBe('expected object, got a list');
    expect(issuesOf('text')[0]).toEqual({ path: '', message: "expected object, got string 'text'" });
  });
});
