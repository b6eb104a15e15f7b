import { describe, expect, it } from 'vitest';
import { ConfigError, ConflictError, ProviderError } from '../../errors.js';
import { parseDatabaseUrl, toChimeraError } from './errors.js';

describe('parseDatabaseUrl', () => {
  it('says where a URL points and masks its password', () => {
    expect(parseDatabaseUrl('postgres://app:s3cret@db.internal:6543/chimera')).toEqual({
      host: 'db.internal',
      port: 6543,
      database: 'chimera',
      user: 'app',
      redacted: 'postgres://app:***@db.internal:6543/chimera',
    });
    expect(parseDatabaseUrl('postgresql://app@127.0.0.1/db').port).toBe(5432);
    expect(parseDatabaseUrl('postgres:///db?host=/var/run/postgresql').host).toBe('/var/run/postgresql');
  });

  it('refuses what is not a Postgres URL without echoing the password', () => {
    for (const url of [
      'db:5432',
      'mysql://u:s3cret@h/db',
      'postgres://u:s3cret@h:0/db',
      'postgres://u:s3cret@h:x/db',
    ]) {
      let caught: unknown;
      try {
        parseDatabaseUrl(url);
      } catch (err) {
        caught = err;
      }
      expect(caught, url).toBeInstanceOf(ConfigError);
      expect((caught as Error).message).not.toContain('s3cret');
    }
  });
});

describe('toChimeraError', () => {
  const target = parseDatabaseUrl('postgres://app:s3cret@db:5432/chimera');
  const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it('passes Chimera errors through', () => {
    const conflict = new ConflictError('changed');
    expect(toChimeraError(conflict, target)).toBe(conflict);
  });

  // Server states a test cannot provoke on demand (deadlock, too many connections, admin shutdown).
  it.each(['40001', '40P01', '53300', '57P01', '57P03', '08006', 'ECONNREFUSED', 'ECONNRESET'])(
    '%s is a retriable ProviderError naming host:port',
    (code) => {
      const err = toChimeraError(pgError(code), target);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).retriable).toBe(true);
      expect(err.message).toContain('db:5432');
    },
  );

  it('treats credentials and a missing database as configuration, other SQL failures as final', () => {
    expect(toChimeraError(pgError('28P01'), target)).toBeInstanceOf(ConfigError);
    expect(toChimeraError(pgError('3D000'), target).message).toContain("database 'chimera' does not exist");
    const final = toChimeraError(pgError('42P01', 'relation "x" does not exist'), target);
    expect(final).toBeInstanceOf(ProviderError);
    expect((final as ProviderError).retriable).toBe(false);
    expect(final.message).toContain('SQLSTATE 42P01');
  });

  it('masks the password should a driver message ever contain it', () => {
    const err = toChimeraError(new Error('failed for s3cret'), target, 's3cret');
    expect(err.message).not.toContain('s3cret');
  });
});
