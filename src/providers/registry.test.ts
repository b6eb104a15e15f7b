import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { METRICS_KINDS, PLATFORM_KINDS, ROUTER_KINDS } from '../spec/providers.js';
import type { MetricsConfig, PlatformConfig, RouterConfig } from '../spec/providers.js';
import type { ProviderContext } from './context.js';
import {
  createMetricProvider,
  createPlatform,
  createRouter,
  metricProviderFactories,
  platformFactories,
  routerFactories,
} from './registry.js';

const ctx: ProviderContext = { service: 'checkout', dataDir: '/nonexistent', log: silentLogger };

describe('provider registry', () => {
  it('has a factory for every kind the spec accepts, and no other', () => {
    expect(Object.keys(platformFactories).sort()).toEqual([...PLATFORM_KINDS].sort());
    expect(Object.keys(routerFactories).sort()).toEqual([...ROUTER_KINDS].sort());
    expect(Object.keys(metricProviderFactories).sort()).toEqual([...METRICS_KINDS].sort());
  });

  it('refuses an unknown kind with a ConfigError listing the valid kinds', async () => {
    // A config from the API or an old store may bypass the schema; the registry checks again.
    const bad = { kind: 'nomad' } as unknown as PlatformConfig;
    const err: unknown = await createPlatform(bad, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^unknown platform kind 'nomad'; valid kinds: .*local/);
    expect((err as ConfigError).issues[0]?.path).toBe('spec.platform.kind');
  });

  it('refuses kinds that only exist on Object.prototype', async () => {
    await expect(createRouter({ kind: 'toString' } as unknown as RouterConfig, ctx)).rejects.toThrow(ConfigError);
    await expect(createMetricProvider({ kind: '__proto__' } as unknown as MetricsConfig, ctx)).rejects.toThrow(
      /unknown metrics kind '__proto__'; valid kinds: .*builtin-proxy/,
    );
  });

  it('refuses a config without a kind', async () => {
    await expect(createRouter({} as unknown as RouterConfig, ctx)).rejects.toThrow(
      /^missing router kind; valid kinds: /,
    );
    await expect(createPlatform(null as unknown as PlatformConfig, ctx)).rejects.toThrow(ConfigError);
  });
});
