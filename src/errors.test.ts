import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from './errors.js';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it('documents every code', () => {
    for (const code of errors.ERROR_CODES) expect(doc, code).toContain(`\`${code}\``);
  });

  it('gives every error class a listed code, an exit code and an HTTP status', () => {
    const samples: errors.CanaryError[] = [
      new errors.ConfigError('x'),
      new errors.NotFoundError('x'),
      new errors.ConflictError('x'),
      new errors.ProviderError('x', 'p', true),
      new errors.NoDataError('x'),
      new errors.UnsupportedError('x'),
      new errors.UnauthorizedError('x'),
      new errors.ForbiddenError('x'),
      new errors.InternalError('x'),
      new errors.ExitError(1),
    ];
    expect(new Set(samples.map((e) => e.code))).toEqual(new Set(errors.ERROR_CODES));
    for (const e of samples) {
      expect(e.httpStatus).toBeGreaterThanOrEqual(400);
      expect(Number.isInteger(e.exitCode)).toBe(true);
      expect(e.name).toBe(e.constructor.name);
    }
  });
});
