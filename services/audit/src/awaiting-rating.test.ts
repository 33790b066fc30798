import { describe, expect, it } from 'vitest';

import { RATING_WINDOW_DAYS } from '@govmesh/contracts/domain-events';

import { AwaitingRating } from './awaiting-rating.js';

const DAY = 24 * 3600 * 1000;
const at = (day: number, hours = 0) => Date.UTC(2026, 0, 1) + day * DAY + hours * 3600 * 1000;

describe('cases awaiting a rating', () => {
  it('are kept for the whole window and its day of margin, and forgotten by the day after', () => {
    const awaiting = new AwaitingRating<string>();
    awaiting.closed('late-evening', 'a', at(0, 23));
    awaiting.closed('next-morning', 'b', at(1, 1));
    // The window and its margin from the last moment of the day each closed on: both still held.
    awaiting.forgetPassed(at(RATING_WINDOW_DAYS + 2));
    expect([...awaiting.keys()]).toEqual(['late-evening', 'next-morning']);
    awaiting.forgetPassed(at(RATING_WINDOW_DAYS + 2, 1));
    expect([...awaiting.keys()]).toEqual(['next-morning']);
    expect(awaiting.take('late-evening')).toBeUndefined();
    expect(awaiting.take('next-morning')).toBe('b');
    expect(awaiting.size).toBe(0);
  });

  it('keeps a case listed after a later day as long as that day, never forgetting it early', () => {
    const awaiting = new AwaitingRating<string>();
    awaiting.closed('day-5', 'a', at(5));
    awaiting.closed('listed-late', 'b', at(3));
    awaiting.forgetPassed(at(3 + RATING_WINDOW_DAYS + 3));
    expect(awaiting.has('listed-late')).toBe(true);
    awaiting.forgetPassed(at(5 + RATING_WINDOW_DAYS + 3));
    expect(awaiting.has('listed-late')).toBe(false);
  });
});
