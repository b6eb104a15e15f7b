import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseSpec, validateSpec } from './load.js';
import { planFromSpec } from './plan.js';

/** A minimal valid document with this router and analysis. */
function doc(router: Record<string, unknown>, analysis: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'chimera.dev/v1',
    kind: 'Canary',
    metadata: { name: 'checkout' },
    spec: {
      platform: { kind: 'local', command: ['node', 'server.js'] },
      router,
      metrics: { kind: 'prometheus', address: 'http://127.0.0.1:9090' },
      analysis,
    },
  };
}

const HAPROXY = { kind: 'haproxy', runtimeApi: 'tcp://127.0.0.1:9999' };
const PROXY = { kind: 'builtin-proxy' };

describe('analysis.loadGenerator', () => {
  it('is off by default and leaves the plan without synthetic traffic', () => {
    const spec = validateSpec(doc(PROXY, {}));
    expect(spec.spec.analysis.loadGenerator).toEqual({ enabled: false, rps: 20, path: '/' });
    expect(planFromSpec(spec).loadGenerator).toBeUndefined();
  });

  it('enabled with the built-in proxy: no url needed, the plan carries the rate', () => {
    const spec = validateSpec(doc(PROXY, { loadGenerator: { enabled: true, rps: 5, path: '/ping' } }));
    expect(planFromSpec(spec).loadGenerator).toEqual({ rps: 5 });
  });

  it('enabled with a router that cannot tell its address and no url: a ConfigError naming the field', () => {
    let err: unknown;
    try {
      validateSpec(doc(HAPROXY, { loadGenerator: { enabled: true } }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issue = (err as ConfigError).issues[0]!;
    expect(issue.path).toBe('spec.analysis.loadGenerator.url');
    expect(issue.message).toContain('haproxy router');
  });

  it('points at line:column in the YAML', () => {
    const yaml = `apiVersion: chimera.dev/v1
kind: Canary
metadata: { name: checkout }
spec:
  platform: { kind: local, command: [node, server.js] }
  router: { kind: haproxy, runtimeApi: "tcp://127.0.0.1:9999" }
  metrics: { kind: prometheus, address: "http://127.0.0.1:9090" }
  analysis:
    loadGenerator:
      enabled: true
`;
    expect(() => parseSpec(yaml, 'chimera.yaml', '/tmp')).toThrow(ConfigError);
    try {
      parseSpec(yaml, 'chimera.yaml', '/tmp');
    } catch (e) {
      const issue = (e as ConfigError).issues[0]!;
      expect(issue.path).toBe('spec.analysis.loadGenerator.url');
      expect(issue.line).toBeGreaterThanOrEqual(9);
    }
  });

  it('enabled with a url: accepted for any router; disabled without one too; a bad url or rate is refused', () => {
    const ok = validateSpec(doc(HAPROXY, { loadGenerator: { enabled: true, url: 'https://shop.example.com' } }));
    expect(ok.spec.analysis.loadGenerator.url).toBe('https://shop.example.com');
    expect(() => validateSpec(doc(HAPROXY, { loadGenerator: { enabled: false } }))).not.toThrow();
    expect(() => validateSpec(doc(PROXY, { loadGenerator: { enabled: true, url: 'ftp://x' } }))).toThrow(ConfigError);
    expect(() => validateSpec(doc(PROXY, { loadGenerator: { enabled: true, rps: 0 } }))).toThrow(ConfigError);
  });
});
