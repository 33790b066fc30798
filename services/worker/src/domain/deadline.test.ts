import { describe, expect, it } from 'vitest';

import { dueAt } from './deadline.js';

describe('dueAt', () => {
  const friday = new Date('2026-11-27T10:00:00Z');

  it('skips the weekend for working days', () => {
    expect(dueAt(friday, { workingDays: 1 }).toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(dueAt(friday, { workingDays: 5 }).toISOString()).toBe('2026-12-04T10:00:00.000Z');
  });

  it('counts hours, days and minutes as elapsed time', () => {
    expect(dueAt(friday, { hours: 48 }).toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(dueAt(friday, { days: 2 }).toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(dueAt(friday, { minutes: 90 }).toISOString()).toBe('2026-11-27T11:30:00.000Z');
  });
});
