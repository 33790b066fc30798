import { z } from 'zod';

/**
 * Where the next page of an officer inbox starts. Temporal's SQL visibility lists running cases
 * newest first (StartTime descending) and takes no other order, so a page is "the cases started at
 * or before `startedAtOrBefore`", less the ones an earlier page already gave at that very instant
 * (`given`): ties share a start time. The cursor is ours, not the server's page token, so it does
 * not expire and means the same on every API replica.
 */
const InboxCursor = z.object({
  startedAtOrBefore: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/, 'an RFC 3339 time in nanoseconds'),
  given: z.array(z.string().min(1)).max(1000),
});
type InboxCursor = z.infer<typeof InboxCursor>;

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
 * One page of `size` from `listed` (newest first, as the index lists them, at least size + 1 past
 * the cursor's start), skipping the cases the cursor says were given, with the token for the rest.
 */
export function takeInboxPage<T extends { caseId: string; startedAt: string }>(
  listed: readonly T[],
  size: number,
  after: InboxCursor | undefined,
): InboxPage<T> {
  const given = new Set(after?.given ?? []);
  const fresh = listed.filter((c) => !(c.startedAt === after?.startedAtOrBefore && given.has(c.caseId)));
  const cases = fresh.slice(0, size);
  if (fresh.length <= size) return { cases };
  const last = cases.at(-1)!.startedAt;
  // Every case of this page started at the last one's instant, and those given before at it.
  const atLast = cases.filter((c) => c.startedAt === last).map((c) => c.caseId);
  const carried = last === after?.startedAtOrBefore ? [...given] : [];
  return { cases, nextPageToken: inboxPageToken({ startedAtOrBefore: last, given: [...carried, ...atLast] }) };
}
