import { describePlatformConformance } from '../../src/ports/platform.conformance.js';
import { LocalWorld, sampleConfig } from './helpers.js';

describePlatformConformance('local', async () => {
  const world = new LocalWorld();
  const config = sampleConfig({ versions: { broken: { command: ['./nope'] } } });
  return {
    platform: await world.platform(config),
    service: 'web',
    good: 'v1',
    other: 'v2',
    broken: 'broken',
    reopen: () => world.platform(config),
    timeoutMs: 60_000,
    cleanup: () => Promise.resolve(world.cleanup()),
  };
});
