import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { prometheusConfig } from './config.js';
import { promDuration } from './duration.js';
import { BUILTIN_VARIABLES, QUERY_SETS, type QuerySet } from './query-sets.js';
import { checkTemplates, escapeLabelValue, renderTemplate } from './template.js';

describe('PromQL templates', () => {
  it('replaces variables and escapes values so a label value cannot break out of its quotes', () => {
    expect(renderTemplate('m{version="{{version}}"}', { version: 'a"b\\c' })).toBe('m{version="a\\"b\\\\c"}');
    expect(renderTemplate('{{ service }}-{{version}}', { service: 's', version: 'v' })).toBe('s-v');
    expect(escapeLabelValue('x\ny')).toBe('x\\ny');
  });

  it('an unknown variable is a ConfigError naming the field and the known variables', () => {
    try {
      checkTemplates({ requests: 'sum(m{v="{{verison}}"})' }, ['version']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues[0]).toMatchObject({
        path: 'metrics.queries.requests',
        message: expect.stringContaining('{{verison}}'),
      });
    }
  });

  it('every ready-made query set renders with the built-in variables and its own defaults', () => {
    for (const [name, set] of Object.entries<QuerySet>(QUERY_SETS)) {
      const own = Object.keys(set.variables ?? {});
      const { requests, errors } = set;
      expect(() => checkTemplates({ requests, errors }, [...BUILTIN_VARIABLES, ...own]), name).not.toThrow();
      expect(requests, name).toContain('@ {{start}}');
    }
  });

  it('PromQL ranges are whole seconds, at least 1s', () => {
    expect(promDuration(0)).toBe('1s');
    expect(promDuration(1500)).toBe('2s');
    expect(promDuration(60_000)).toBe('60s');
  });
});

describe('prometheus config', () => {
  it('parses durations and defaults', () => {
    const c = prometheusConfig.parse({ kind: 'prometheus', address: 'http://127.0.0.1:9090' });
    expect(c).toMatchObject({ querySet: 'chimera-proxy', interval: 60_000, timeout: 5_000, namespace: 'default' });
  });

  it('rejects a bad address, an unknown query set and unknown fields', () => {
    expect(prometheusConfig.safeParse({ kind: 'prometheus', address: 'ftp://x' }).success).toBe(false);
    expect(prometheusConfig.safeParse({ kind: 'prometheus', address: 'http://x', querySet: 'nginx' }).success).toBe(
      false,
    );
    expect(prometheusConfig.safeParse({ kind: 'prometheus', address: 'http://x', adress: 'y' }).success).toBe(false);
  });
});
