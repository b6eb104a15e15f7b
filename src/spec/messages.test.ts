import { describe, expect, it } from 'vitest';
import { closest, editDistance, unknownFieldMessage, unknownKindMessage } from './messages.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['stepWieght', 'stepWeight', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('%s → %s is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closest', () => {
  const keys = ['steps', 'stepWeight', 'maxWeight', 'interval', 'minRequests'];
  it('suggests a key one typo away', () => {
    expect(closest('stepWieght', keys)).toBe('stepWeight');
    expect(closest('intervall', keys)).toBe('interval');
    expect(closest('StepWeight', keys)).toBe('stepWeight');
  });
  it('suggests nothing for an unrelated word', () => {
    expect(closest('colour', keys)).toBeUndefined();
  });
});

describe('messages', () => {
  it('lists the valid kinds, sorted', () => {
    expect(unknownKindMessage('platform', 'dockr', ['local', 'docker'])).toBe(
      "unknown platform kind 'dockr' (did you mean 'docker'?); valid kinds: docker, local",
    );
    expect(unknownKindMessage('router', undefined, ['builtin-proxy'])).toBe(
      'missing router kind; valid kinds: builtin-proxy',
    );
    expect(unknownKindMessage('router', 5, ['builtin-proxy'])).toBe(
      "unknown router kind '5'; valid kinds: builtin-proxy",
    );
  });
  it('names an unknown field and its likely fix', () => {
    expect(unknownFieldMessage('stepWieght', ['stepWeight'])).toBe(
      "unknown field 'stepWieght' (did you mean 'stepWeight'?)",
    );
    expect(unknownFieldMessage('colour', ['stepWeight'])).toBe("unknown field 'colour'");
  });
});
