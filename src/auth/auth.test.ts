import { describe, expect, it } from 'vitest';
import { ConfigError, NotFoundError } from '../errors.js';
import { FakeStore, FakeStoreData } from '../testing/fake-store.js';
import { roleAllows } from './roles.js';
import { LoginLimiter, SessionStore, sameSecret } from './sessions.js';
import { hashToken, TokenService, TOKEN_PREFIX } from './tokens.js';

describe('roles', () => {
  it('orders viewer < operator < admin, and public needs nothing', () => {
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('operator', 'viewer')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('viewer', 'public')).toBe(true);
  });
});

describe('TokenService', () => {
  it('creates a token shown once, keeps only its hash, verifies and revokes it', async () => {
    const store = new FakeStore();
    const tokens = new TokenService(store);
    const t = await tokens.create('operator', 'ci');
    expect(t.token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(await tokens.verify(t.token)).toEqual({ id: t.id, name: 'ci', role: 'operator' });
    const index = (await store.getValue('auth:tokens')) ?? '';
    expect(index).not.toContain(t.token);
    expect(index).toContain(hashToken(t.token));
    expect(await tokens.list()).toEqual([{ id: t.id, name: 'ci', role: 'operator', createdAt: t.createdAt }]);
    expect(await tokens.verify(t.token.slice(0, -1) + (t.token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    await tokens.revoke(t.id);
    expect(await tokens.verify(t.token)).toBeUndefined();
    await expect(tokens.revoke(t.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('rejects unknown roles and bad names, creating nothing', async () => {
    const store = new FakeStore();
    const tokens = new TokenService(store);
    await expect(tokens.create('root')).rejects.toBeInstanceOf(ConfigError);
    await expect(tokens.create('viewer', 'x'.repeat(81))).rejects.toBeInstanceOf(ConfigError);
    await expect(tokens.create('viewer', 'bad\nname')).rejects.toBeInstanceOf(ConfigError);
    expect(await tokens.list()).toEqual([]);
    expect(await tokens.verify('not-a-token')).toBeUndefined();
  });
});

describe('sessions and the login limiter', () => {
  const who = { id: 'a', name: 'n', role: 'viewer' as const };

  it('finds a session by its cookie until it expires or is deleted', async () => {
    const sessions = new SessionStore(new FakeStore(), 1000);
    const { id, session } = await sessions.create(who, 'chm_x', 0);
    expect(await sessions.get(id, 999)).toEqual(session);
    expect(await sessions.get(id, 1000)).toBeUndefined();
    const again = await sessions.create(who, 'chm_x', 0);
    await sessions.delete(again.id);
    expect(await sessions.get(again.id, 1)).toBeUndefined();
    expect(await sessions.get(undefined)).toBeUndefined();
    expect(await sessions.get('x'.repeat(101))).toBeUndefined();
  });

  it('shares sessions between replicas on one store, keeps no cookie in it, and clears expired ones at login', async () => {
    const data = new FakeStoreData();
    const a = new SessionStore(new FakeStore(data), 1000);
    const b = new SessionStore(new FakeStore(data), 1000);
    const first = await a.create(who, 'chm_x', 0);
    expect(await b.get(first.id, 10)).toEqual(first.session);
    const store = new FakeStore(data);
    expect(JSON.stringify([...data.values])).not.toContain(first.id);
    // Never logged out; expired by the time someone else logs in: gone from the store and its index.
    const second = await b.create(who, 'chm_y', 5000);
    expect(await store.getValue('auth:sessions')).toBe(JSON.stringify([[hashToken(second.id), 6000]]));
    expect([...data.values.keys()].filter((k) => k.startsWith('auth:session:'))).toEqual([
      `auth:session:${hashToken(second.id)}`,
    ]);
    await a.delete(second.id, 5001);
    expect(await b.get(second.id, 5002)).toBeUndefined();
    expect(await store.getValue('auth:sessions')).toBe('[]');
  });

  it('compares CSRF secrets exactly', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
  });

  it('blocks an address after max failures within the window, then lets it try again', () => {
    const limiter = new LoginLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('a', 1000 * i)).toBe(0);
      limiter.fail('a', 1000 * i);
    }
    expect(limiter.retryAfter('a', 3000)).toBe(57);
    expect(limiter.retryAfter('b', 3000)).toBe(0);
    expect(limiter.retryAfter('a', 60_001)).toBe(0);
  });
});
