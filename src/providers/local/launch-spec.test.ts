import { describe, expect, it } from 'vitest';
import { localPlatformConfig } from './config.js';
import { buildLaunchSpec, fingerprint, substitute } from './launch-spec.js';

const config = (extra: Record<string, unknown> = {}) =>
  localPlatformConfig.parse({ kind: 'local', command: ['node', 'server.js', '--port=${PORT}'], cwd: '/srv', ...extra });

describe('launch spec', () => {
  it('substitutes only ${VERSION} and ${PORT}', () => {
    expect(substitute('${VERSION}:${PORT}:${HOME}:$PORT', { VERSION: 'v2', PORT: '81' })).toBe('v2:81:${HOME}:$PORT');
  });

  it('runs an array command as-is and a string command through /bin/sh -c, both substituted', () => {
    expect(buildLaunchSpec(config(), 'web', 'v2', 0, 4000)).toMatchObject({
      argv: ['node', 'server.js', '--port=4000'],
      shell: false,
      cwd: '/srv',
      port: 4000,
    });
    expect(buildLaunchSpec(config({ command: 'node s.js ${VERSION}' }), 'web', 'v2', 1, 4001)).toMatchObject({
      argv: ['/bin/sh', '-c', 'node s.js v2'],
      shell: true,
      index: 1,
    });
  });

  it('layers env: inherited, spec, version override, then PORT and VERSION which always win', () => {
    process.env.CHIMERA_TEST_SECRET = 'do-not-leak';
    process.env.TEST_INHERITED = 'yes';
    try {
      const c = config({
        env: { A: 'spec', B: 'spec-${VERSION}', PORT: '1' },
        versions: { v3: { env: { B: 'override', C: '${PORT}' }, command: ['./v3'] } },
      });
      const v3 = buildLaunchSpec(c, 'web', 'v3', 0, 5000);
      expect(v3.argv).toEqual(['./v3']);
      expect(v3.env).toMatchObject({ A: 'spec', B: 'override', C: '5000', PORT: '5000', VERSION: 'v3' });
      expect(v3.env.TEST_INHERITED).toBe('yes');
      expect(v3.env.CHIMERA_TEST_SECRET).toBeUndefined();
      expect(buildLaunchSpec(c, 'web', 'v2', 0, 5001).env).toMatchObject({ B: 'spec-v2', VERSION: 'v2' });
    } finally {
      delete process.env.CHIMERA_TEST_SECRET;
      delete process.env.TEST_INHERITED;
    }
  });

  it('fingerprints what the spec asks for, not the port', () => {
    const c = config({ versions: { v3: { env: { X: '1' } } } });
    expect(fingerprint(c, 'v2')).toBe(fingerprint(config(), 'v2'));
    expect(fingerprint(c, 'v3')).not.toBe(fingerprint(c, 'v2'));
    expect(buildLaunchSpec(c, 'web', 'v2', 0, 1).fingerprint).toBe(buildLaunchSpec(c, 'web', 'v2', 1, 2).fingerprint);
    expect(fingerprint(config({ env: { Y: '1' } }), 'v2')).not.toBe(fingerprint(c, 'v2'));
  });
});
