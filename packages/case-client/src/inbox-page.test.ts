import { describe, expect, it } from 'vitest';

import { exactStartTime, inboxPage, inboxPageToken, parseInboxPageToken, sliceOfInbox } from './inbox-page.js';

const at = (second: number) => exactStartTime({ seconds: 1_796_000_000 + second, nanos: 5 });
const NOW = new Date('2026-12-02T12:00:00.000Z');
const hoursFromNow = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();

interface Listed {
  caseId: string;
  startedAt: string;
  dueBy?: string;
}

/** Every page, following each page's token, as an API client would; and the queries each page made. */
async function allPages(all: readonly Listed[], size: number, now = NOW) {
  const pages: string[][] = [];
  const queries: number[] = [];
  let token: string | undefined;
  do {
    let asked = 0;
    const page = await inboxPage(
      (slice, limit) => {
        asked += 1;
        return Promise.resolve(sliceOfInbox(all, slice, limit));
      },
      size,
      token,
      now,
    );
    pages.push(page.cases.map((c) => c.caseId));
    queries.push(asked);
    token = page.nextPageToken;
  } while (token);
  return { pages, queries };
}

describe('the inbox page cursor', () => {
  it('gives every case once, newest first, in pages of the size asked', async () => {
    const all = [5, 4, 3, 2, 1].map((s) => ({ caseId: `case-${s}`, startedAt: at(s) }));
    expect((await allPages(all, 2)).pages).toEqual([['case-5', 'case-4'], ['case-3', 'case-2'], ['case-1']]);
    expect((await allPages(all, 5)).pages).toEqual([['case-5', 'case-4', 'case-3', 'case-2', 'case-1']]);
  });

  it('gives the overdue cases first, each part newest first, every case once', async () => {
    const all = [
      { caseId: 'new-due-later', startedAt: at(9), dueBy: hoursFromNow(5) },
      { caseId: 'new-overdue', startedAt: at(8), dueBy: hoursFromNow(-1) },
      { caseId: 'no-deadline', startedAt: at(7) },
      { caseId: 'due-now', startedAt: at(6), dueBy: NOW.toISOString() },
      { caseId: 'old-due-later', startedAt: at(2), dueBy: hoursFromNow(1) },
      { caseId: 'old-overdue', startedAt: at(1), dueBy: hoursFromNow(-48) },
    ];
    const order = ['new-overdue', 'due-now', 'old-overdue', 'new-due-later', 'no-deadline', 'old-due-later'];
    for (const size of [1, 2, 3, 4, 6, 10]) expect((await allPages(all, size)).pages.flat()).toEqual(order);
    // A page where the overdue part ends asks twice; the others once.
    expect(await allPages(all, 2)).toEqual({
      pages: [
        ['new-overdue', 'due-now'],
        ['old-overdue', 'new-due-later'],
        ['no-deadline', 'old-due-later'],
      ],
      queries: [1, 2, 1],
    });
    // The overdue part fills a page exactly: the next starts with the rest.
    expect((await allPages(all, 3)).pages).toEqual([order.slice(0, 3), order.slice(3)]);
  });

  it("keeps the first page's time for the whole walk, so a case falling due meanwhile is not given twice or lost", async () => {
    const all = [
      { caseId: 'a', startedAt: at(3), dueBy: hoursFromNow(-1) },
      { caseId: 'b', startedAt: at(2), dueBy: hoursFromNow(1) },
      { caseId: 'c', startedAt: at(1), dueBy: hoursFromNow(2) },
    ];
    const first = await inboxPage((s, l) => Promise.resolve(sliceOfInbox(all, s, l)), 1, undefined, NOW);
    // Three hours later every case is overdue, but the walk goes on from the first page's time.
    const later = new Date(NOW.getTime() + 3 * 3_600_000);
    const pages = [first.cases.map((c) => c.caseId)];
    let token = first.nextPageToken;
    while (token) {
      const page = await inboxPage((s, l) => Promise.resolve(sliceOfInbox(all, s, l)), 1, token, later);
      pages.push(page.cases.map((c) => c.caseId));
      token = page.nextPageToken;
    }
    expect(pages).toEqual([['a'], ['b'], ['c']]);
  });

  it('gives each of several cases started at the same instant once, across pages', async () => {
    // Seven cases, five of them started in the same nanosecond: the pages cut through the tie.
    const all = [
      { caseId: 'late', startedAt: at(9) },
      ...['a', 'b', 'c', 'd', 'e'].map((id) => ({ caseId: id, startedAt: at(5) })),
      { caseId: 'early', startedAt: at(1) },
    ];
    const { pages } = await allPages(all, 2);
    expect(pages.flat()).toEqual(['late', 'a', 'b', 'c', 'd', 'e', 'early']);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
  });

  it('writes start times exactly, in nanoseconds, so a later one sorts after an earlier one', () => {
    expect(exactStartTime({ seconds: 1_796_000_000, nanos: 123_456_789 })).toBe('2026-11-30T00:53:20.123456789Z');
    expect(
      exactStartTime({ seconds: 1_796_000_000, nanos: 7 }) < exactStartTime({ seconds: 1_796_000_000, nanos: 10 }),
    ).toBe(true);
  });

  it('takes back only the tokens it gives', async () => {
    const cursor = { dueAt: at(9), overdue: false, startedAtOrBefore: at(3), given: ['case-3'] };
    expect(parseInboxPageToken(inboxPageToken(cursor))).toEqual(cursor);
    expect(parseInboxPageToken('not a token')).toBeUndefined();
    expect(
      parseInboxPageToken(
        Buffer.from(`{"dueAt":"${at(9)}","overdue":true,"startedAtOrBefore":"yesterday","given":[]}`).toString(
          'base64url',
        ),
      ),
    ).toBeUndefined();
    // A token of the inbox before it listed the overdue cases first: the client starts again.
    const before = Buffer.from(JSON.stringify({ startedAtOrBefore: at(3), given: [] })).toString('base64url');
    expect(parseInboxPageToken(before)).toBeUndefined();
    await expect(inboxPage(() => Promise.resolve([]), 2, before, NOW)).rejects.toMatchObject({
      code: 'REQUEST.INVALID_PAGE_TOKEN',
    });
    // A quote in a time would reach the visibility query: the shape refuses it.
    for (const field of ['dueAt', 'startedAtOrBefore'])
      expect(
        parseInboxPageToken(inboxPageToken({ ...cursor, [field]: '2026-01-01T00:00:00.000000000Z" OR "1"="1' })),
      ).toBeUndefined();
  });
});
