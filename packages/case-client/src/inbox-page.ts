import { z } from 'zod';

const EXACT_TIME = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/, 'an RFC 3339 time in nanoseconds');

/**
 * Where the next page of an officer inbox starts. The inbox lists the cases overdue at `dueAt`
 * (the first page's time, kept for the whole walk so no case moves between the two parts) first,
 * then the rest (`overdue` false). Temporal's SQL visibility lists each part newest first
 * (StartTime descending) and takes no other order, so within a part a page is "the cases started
 * at or before `startedAtOrBefore`", less the ones an earlier page already gave at that very
 * instant (`given`): ties share a start time. The cursor is ours, not the server's page token, so
 * it does not expire and means the same on every API replica.
 */
const InboxCursor = z.object({
  dueAt: EXACT_TIME,
  overdue: z.boolean(),
  startedAtOrBefore: EXACT_TIME.optional(),
  given: z.array(z.string().min(1)).max(1000),
});
type InboxCursor = z.infer<typeof InboxCursor>;

/** What one visibility query of an inbox page asks for: one part of the inbox, from a start time on. */
export interface InboxSlice {
  /** The cases due (their earliest officer deadline) at or before `dueAt`, or the others. */
  readonly overdue: boolean;
  readonly dueAt: string;
  /** Only the cases started at or before this (RFC 3339, nanoseconds), when given. */
  readonly startedAtOrBefore?: string;
}

/** A page token this client did not give (or a changed one): the caller starts from the first page. */
export class InvalidPageToken extends Error {
  readonly code = 'REQUEST.INVALID_PAGE_TOKEN';
  readonly retriable = false;
  constructor() {
    super('pageToken is not a token this inbox gave: send the nextPageToken of the page before, or none');
  }
}

/** The page token a client sends back for the next page: the cursor as base64url JSON. */
export function inboxPageToken(cursor: InboxCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** The cursor a page token carries, or undefined when it is not a token this client gave. */
export function parseInboxPageToken(token: string): InboxCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const parsed = InboxCursor.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A visibility record's start time, exact to the nanosecond, as the list filter takes it. */
export function exactStartTime(
  t: { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined,
): string {
  // Protobuf gives the seconds as a Long.
  const seconds = typeof t?.seconds === 'object' && t.seconds !== null ? t.seconds.toNumber() : (t?.seconds ?? 0);
  const nanos = t?.nanos ?? 0;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

export interface InboxPage<T> {
  readonly cases: T[];
  /** Present when more cases wait: send it back as `pageToken` for the next page. */
  readonly nextPageToken?: string;
}

/**
 * One page of `size` of an officer inbox, the overdue cases first: `list` answers one slice, newest
 * first, at most `limit` cases (one visibility query each; a page takes one, or two where the
 * overdue part ends in it). Throws InvalidPageToken for a token this inbox did not give.
 */
export async function inboxPage<T extends { caseId: string; startedAt: string }>(
  list: (slice: InboxSlice, limit: number) => Promise<readonly T[]>,
  size: number,
  pageToken: string | undefined,
  now: Date,
): Promise<InboxPage<T>> {
  const after = pageToken === undefined ? undefined : parseInboxPageToken(pageToken);
  if (pageToken !== undefined && !after) throw new InvalidPageToken();
  const dueAt = after?.dueAt ?? exactTimeOf(now);
  const cases: T[] = [];
  let cursor: Omit<InboxCursor, 'dueAt'> = after ?? { overdue: true, given: [] };
  for (;;) {
    const wanted = size - cases.length;
    const slice = {
      overdue: cursor.overdue,
      dueAt,
      ...(cursor.startedAtOrBefore ? { startedAtOrBefore: cursor.startedAtOrBefore } : {}),
    };
    // One more than the page, past those the cursor already gave, says whether another page follows.
    const listed = await list(slice, wanted + 1 + cursor.given.length);
    const part = takePart(listed, wanted, cursor);
    cases.push(...part.cases);
    if (part.next) return { cases, nextPageToken: inboxPageToken({ dueAt, ...part.next }) };
    if (!cursor.overdue) return { cases };
    cursor = { overdue: false, given: [] };
    if (cases.length === size) {
      // The overdue part ended with the page: another follows if the rest holds a case.
      const more = await list({ overdue: false, dueAt }, 1);
      return more.length > 0 ? { cases, nextPageToken: inboxPageToken({ dueAt, ...cursor }) } : { cases };
    }
  }
}

/**
 * Up to `size` (at least one) of `listed` (one slice, newest first, as the index lists it past the
 * cursor's start), skipping the cases the cursor says were given, with the cursor for the rest.
 */
function takePart<T extends { caseId: string; startedAt: string }>(
  listed: readonly T[],
  size: number,
  after: Omit<InboxCursor, 'dueAt'>,
): { cases: T[]; next?: Omit<InboxCursor, 'dueAt'> } {
  const given = new Set(after.given);
  const fresh = listed.filter((c) => !(c.startedAt === after.startedAtOrBefore && given.has(c.caseId)));
  const cases = fresh.slice(0, size);
  if (fresh.length <= size) return { cases };
  const last = cases.at(-1)!.startedAt;
  // Every case of this page started at the last one's instant, and those given before at it.
  const atLast = cases.filter((c) => c.startedAt === last).map((c) => c.caseId);
  const carried = last === after.startedAtOrBefore ? [...given] : [];
  return { cases, next: { overdue: after.overdue, startedAtOrBefore: last, given: [...carried, ...atLast] } };
}

/**
 * What the visibility query of a slice answers, of cases kept in memory (`dueBy` their earliest
 * officer deadline, RFC 3339): for a fake of the case client that pages as it does.
 */
export function sliceOfInbox<T extends { caseId: string; startedAt: string; dueBy?: string }>(
  cases: readonly T[],
  slice: InboxSlice,
  limit: number,
): T[] {
  const dueAt = Date.parse(slice.dueAt);
  return cases
    .filter((c) => (c.dueBy !== undefined && Date.parse(c.dueBy) <= dueAt) === slice.overdue)
    .filter((c) => slice.startedAtOrBefore === undefined || c.startedAt <= slice.startedAtOrBefore)
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
    .slice(0, limit);
}

/** A time as the list filter takes it, in nanoseconds. */
function exactTimeOf(time: Date): string {
  return `${time.toISOString().slice(0, 23)}000000Z`;
}
