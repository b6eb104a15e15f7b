import { describePlatformConformance } from '../ports/platform.conformance.js';
import { FakePlatform, FakePlatformWorld } from './fake-platform.js';

describePlatformConformance('fake', () => {
  const world = new FakePlatformWorld();
  world.failing.set('broken', 'command not found: ./nope');
  return Promise.resolve({
    platform: new FakePlatform(world),
    service: 'web',
    good: 'v1',
    other: 'v2',
    broken: 'broken',
    reopen: () => Promise.resolve(new FakePlatform(world)),
    timeoutMs: 5000,
    cleanup: () => world.shutdown(),
  });
});
