import { describe, expect, it } from 'vitest';

import { exactStartTime, inboxPageToken, parseInboxPageToken, takeInboxPage } from './inbox-page.js';

const at = (second: number) => exactStartTime({ seconds: 1_796_000_000 + second, nanos: 5 });

/** What the index lists past a cursor: newest first, started at or before it (as the query asks). */
function listedAfter(all: ReadonlyArray<{ caseId: string; startedAt: string }>, token?: string) {
  const after = token === undefined ? undefined : parseInboxPageToken(token);
  return {
    after,
    listed: all.filter((c) => !after || c.startedAt <= after.startedAtOrBefore),
  };
}

/** Every page, following each page's token, as an API client would. */
function allPages(all: ReadonlyArray<{ caseId: string; startedAt: string }>, size: number): string[][] {
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const { after, listed } = listedAfter(all, token);
    const page = takeInboxPage(listed.slice(0, size + 1 + (after?.given.length ?? 0)), size, after);
    pages.push(page.cases.map((c) => c.caseId));
    token = page.nextPageToken;
  } while (token);
  return pages;
}

describe('the inbox page cursor', () => {
  it('gives every case once, newest first, in pages of the size asked', () => {
    const all = [5, 4, 3, 2, 1].map((s) => ({ caseId: `case-${s}`, startedAt: at(s) }));
    expect(allPages(all, 2)).toEqual([['case-5', 'case-4'], ['case-3', 'case-2'], ['case-1']]);
    expect(allPages(all, 5)).toEqual([['case-5', 'case-4', 'case-3', 'case-2', 'case-1']]);
  });

  it('gives each of several cases started at the same instant once, across pages', () => {
    // Seven cases, five of them started in the same nanosecond: the pages cut through the tie.
    const all = [
      { caseId: 'late', startedAt: at(9) },
      ...['a', 'b', 'c', 'd', 'e'].map((id) => ({ caseId: id, startedAt: at(5) })),
      { caseId: 'early', startedAt: at(1) },
    ];
    const pages = allPages(all, 2);
    expect(pages.flat()).toEqual(['late', 'a', 'b', 'c', 'd', 'e', 'early']);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
  });

  it('writes start times exactly, in nanoseconds, so a later one sorts after an earlier one', () => {
    expect(exactStartTime({ seconds: 1_796_000_000, nanos: 123_456_789 })).toBe('2026-11-30T00:53:20.123456789Z');
    expect(
      exactStartTime({ seconds: 1_796_000_000, nanos: 7 }) < exactStartTime({ seconds: 1_796_000_000, nanos: 10 }),
    ).toBe(true);
  });

  it('takes back only the tokens it gives', () => {
    const token = inboxPageToken({ startedAtOrBefore: at(3), given: ['case-3'] });
    expect(parseInboxPageToken(token)).toEqual({ startedAtOrBefore: at(3), given: ['case-3'] });
    expect(parseInboxPageToken('not a token')).toBeUndefined();
    expect(
      parseInboxPageToken(Buffer.from('{"startedAtOrBefore":"yesterday","given":[]}').toString('base64url')),
    ).toBeUndefined();
    // A quote in the time would reach the visibility query: the shape refuses it.
    expect(
      parseInboxPageToken(
        inboxPageToken({ startedAtOrBefore: '2026-01-01T00:00:00.000000000Z" OR "1"="1', given: [] }),
      ),
    ).toBeUndefined();
  });
});
