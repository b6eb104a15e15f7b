import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { versionResourceName, versionSlug } from './naming.js';
import { fixEmulatorTimestamps } from './emulator-compat.js';

describe('AWS naming', () => {
  it('names each version the same way everywhere', () => {
    expect(versionResourceName('web', '1.4.2')).toBe('web-1-4-2');
    expect(versionResourceName('web', 'v2')).toBe('web-v2');
    expect(versionSlug('sha256:abc/def')).toBe('sha256-abc-def');
  });
  it('rejects a version with nothing to name', () => {
    expect(() => versionSlug('...')).toThrow(ConfigError);
  });
});

describe('fixEmulatorTimestamps', () => {
  it("rewrites moto's App Mesh dates to epoch seconds and leaves the rest alone", () => {
    const body = '{"metadata": {"createdAt": "28/11/2026, 13:41:02", "version": 1, "name": "28/11/2026, 13:41:02"}}';
    expect(JSON.parse(fixEmulatorTimestamps(body))).toEqual({
      metadata: { createdAt: Date.UTC(2026, 10, 28, 13, 41, 2) / 1000, version: 1, name: '28/11/2026, 13:41:02' },
    });
  });
});
