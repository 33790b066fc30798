import { describe, expect, it } from 'vitest';

import { retryAfterSecondsOf } from './retry-after.js';

describe('Retry-After', () => {
  it('reads a number of seconds, and an HTTP date as the seconds until it', () => {
    expect(retryAfterSecondsOf('7')).toBe(7);
    expect(retryAfterSecondsOf(' 120 ')).toBe(120);
    const now = Date.parse('2026-12-04T10:00:00Z');
    expect(retryAfterSecondsOf('Fri, 04 Dec 2026 10:00:30 GMT', now)).toBe(30);
    // A date already past still asks for a moment, not for an immediate retry storm.
    expect(retryAfterSecondsOf('Fri, 04 Dec 2026 09:00:00 GMT', now)).toBe(1);
  });

  it('finds no answer in what is absent, zero, negative, fractional or not a time', () => {
    for (const value of [null, undefined, '', '0', '-3', '1.5', 'soon', '99999999999999999999'])
      expect(retryAfterSecondsOf(value), String(value)).toBeUndefined();
  });
});
