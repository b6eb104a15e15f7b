import { describe, expect, it } from 'vitest';
import { versionObjectName, versionSlug } from './names.js';

describe('versionSlug', () => {
  it('keeps DNS-safe versions as they are', () => {
    expect(versionSlug('v2')).toBe('v2');
    expect(versionSlug('sha-3f2a1c')).toBe('sha-3f2a1c');
  });
  it('adds a hash whenever the mapping loses information, so distinct versions stay distinct', () => {
    const a = versionSlug('1.4.0');
    const b = versionSlug('1-4-0');
    expect(a).toMatch(/^1-4-0-[0-9a-f]{6}$/);
    expect(b).toBe('1-4-0');
    expect(versionSlug('V2')).not.toBe(versionSlug('v2'));
  });
  it('bounds the length and yields a valid DNS label', () => {
    const name = versionObjectName('a-rather-long-deployment-name-here', 'x'.repeat(64));
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
