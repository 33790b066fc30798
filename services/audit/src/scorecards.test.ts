import { describe, expect, it } from 'vitest';

import { RATING_WINDOW_DAYS, type DomainEvent } from '@govmesh/contracts/domain-events';

import { auditTimeline, citizenTimeline } from './case-timeline.js';
import { domainEvent } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf } from './ledger-record.js';
import { ScorecardTally, scorecardsOf } from './scorecards.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';
import { TransparencyTally, transparencyFigures } from './transparency.js';

const T = (hms: string) => `2026-11-23T${hms}Z`;
const BG = 'background-check@1';

function dispatched(caseId: string, partnerId: string, attempt: number, at: string, deadline: string): DomainEvent {
  return domainEvent(
    'taskDispatched',
    caseId,
    {
      stepId: 'bg',
      taskId: `${caseId}:bg`,
      partnerId,
      taskType: BG,
      attempt,
      deadline: T(deadline),
      sharedFields: ['applicant.name'],
    },
    T(at),
  );
}
function accepted(
  caseId: string,
  partnerId: string,
  attempt: number,
  at: string,
  outcome: 'completed' | 'failed' = 'completed',
): DomainEvent {
  return domainEvent(
    'resultAccepted',
    caseId,
    { stepId: 'bg', taskId: `${caseId}:bg`, partnerId, attempt, outcome },
    T(at),
    '/govmesh/worker',
  );
}
function rejected(
  caseId: string,
  partnerId: string,
  attempt: number,
  at: string,
  code: 'CONTRACT.INVALID_OUTPUT' | 'TASK.REVOKED' | 'TASK.NOT_ASSIGNED',
): DomainEvent {
  return domainEvent(
    'resultRejected',
    caseId,
    { taskId: `${caseId}:bg`, partnerId, attempt, code, reasons: ['output.clear: expected boolean'] },
    T(at),
    '/govmesh/bridge',
  );
}
function reviewed(
  caseId: string,
  partnerId: string,
  attempt: number,
  at: string,
  decision: 'approve' | 'request-rework',
): DomainEvent {
  return domainEvent(
    'reviewDecided',
    caseId,
    {
      stepId: 'bg',
      role: 'licensing-officer',
      officerId: 'officer-7',
      decision,
      task: 'review',
      taskId: `${caseId}:bg`,
      partnerId,
      attempt,
    },
    T(at),
  );
}

/** A scripted morning: the figures below were worked out by hand from these events. */
const SCRIPT: DomainEvent[] = [
  domainEvent(
    'caseSubmitted',
    'c1',
    { serviceId: 'business-licence', serviceVersion: 1, statutoryDeadline: T('12:00:00') },
    T('09:59:00'),
  ),
  dispatched('c1', 'swift', 1, '10:00:00', '10:10:00'),
  accepted('c1', 'swift', 1, '10:00:02'), // on time, 2 s
  dispatched('c2', 'swift', 1, '10:01:00', '10:11:00'),
  rejected('c2', 'swift', 1, '10:01:01', 'CONTRACT.INVALID_OUTPUT'),
  accepted('c2', 'swift', 1, '10:01:05'), // on time, 5 s
  dispatched('c3', 'swift', 1, '10:02:00', '10:03:00'),
  domainEvent(
    'deadlineBreached',
    'c3',
    { stepId: 'bg', taskId: 'c3:bg', partnerId: 'swift', attempt: 1, deadline: T('10:03:00') },
    T('10:03:00'),
  ),
  dispatched('c3', 'slow', 2, '10:03:00', '10:13:00'),
  accepted('c3', 'slow', 2, '10:03:30', 'failed'),
  rejected('c3', 'swift', 1, '10:04:00', 'TASK.REVOKED'), // the late answer
  dispatched('c4', 'swift', 1, '10:05:00', '10:15:00'),
  accepted('c4', 'swift', 1, '10:05:10'), // on time, 10 s
  reviewed('c4', 'swift', 1, '10:05:30', 'request-rework'),
  dispatched('c4', 'swift', 2, '10:06:00', '10:16:00'),
  accepted('c4', 'swift', 2, '10:06:04'), // on time, 4 s
  reviewed('c4', 'swift', 2, '10:06:30', 'approve'),
  domainEvent('caseCompleted', 'c1', { decision: 'approved' }, T('10:30:00')),
  domainEvent('satisfactionRated', 'c1', { score: 5 }, T('10:31:00'), '/govmesh/api'),
  domainEvent('satisfactionRated', 'c4', { score: 3 }, T('10:32:00'), '/govmesh/api'),
];

async function ledgerOf(events: DomainEvent[]) {
  const store = new SqliteLedgerStore(':memory:');
  await store.append(events.map(ledgerEntryOf));
  return store;
}

describe('partner scorecards', () => {
  it('match the figures worked out by hand', async () => {
    const [slow, swift] = await scorecardsOf((await ledgerOf(SCRIPT)).records());
    expect(swift).toMatchObject({
      partnerId: 'swift',
      taskType: BG,
      assigned: 5,
      completedOnTime: 4,
      late: 1,
      revoked: 1,
      failed: 0,
      rejectedInvalid: 1,
      rejectedOther: 1,
      sentBackForRework: 1,
      reviews: 2,
      reviewApprovalRate: 0.5,
      turnaroundMs: { median: 4500, p95: 10_000, samples: 4 },
      satisfaction: { ratings: 2, average: 4 },
      onTimeRate: 0.8,
      validityRate: 0.8,
    });
    // 0.4 × 0.8 on time + 0.25 × 0.8 valid + 0.2 × 0.5 approved + 0.15 × (4 − 1) / 4 satisfied
    expect(swift!.score).toBeCloseTo(0.7325, 10);
    expect(slow).toMatchObject({
      partnerId: 'slow',
      assigned: 1,
      failed: 1,
      completedOnTime: 0,
      onTimeRate: 0,
      validityRate: 1,
      reviewApprovalRate: null,
    });
    // No reviews or ratings yet: on time and validity only, re-weighted: 0.25 / 0.65.
    expect(slow!.score).toBeCloseTo(0.25 / 0.65, 10);
  });

  it('count only what happened inside the window', async () => {
    const cards = await scorecardsOf((await ledgerOf(SCRIPT)).records(), {
      from: new Date(T('10:05:00')),
      to: new Date(T('10:06:00')),
    });
    expect(cards).toEqual([
      expect.objectContaining({
        partnerId: 'swift',
        assigned: 1,
        completedOnTime: 1,
        sentBackForRework: 1,
        reviews: 1,
      }),
    ]);
  });
});

async function tallyOf(events: DomainEvent[]): Promise<ScorecardTally> {
  const tally = new ScorecardTally();
  for await (const record of (await ledgerOf(events)).records()) tally.add(record);
  return tally;
}

describe('partner standings', () => {
  const byPartner = <T extends { partnerId: string }>(list: T[]) =>
    [...list].sort((a, b) => a.partnerId.localeCompare(b.partnerId));

  it("are the scorecards' count and score over the whole ledger", async () => {
    const tally = await tallyOf(SCRIPT);
    const cards = tally.scorecards();
    expect(cards.length).toBeGreaterThan(0);
    expect(byPartner(tally.standings())).toEqual(
      cards.map(({ partnerId, taskType, assigned, score }) => ({ partnerId, taskType, assigned, score })),
    );
  });

  it('answer any window from one tally: two windows side by side add up to the whole', async () => {
    const tally = await tallyOf(SCRIPT);
    const cut = new Date(T('10:05:00'));
    const counts = (cards: ReturnType<ScorecardTally['scorecards']>) =>
      Object.fromEntries(
        cards.map((c) => [
          c.partnerId,
          [
            c.assigned,
            c.completedOnTime,
            c.late,
            c.rejectedInvalid,
            c.reviews,
            c.turnaroundMs.samples,
            c.satisfaction.ratings,
          ],
        ]),
      );
    const before = counts(tally.scorecards({ to: cut }));
    const after = counts(tally.scorecards({ from: cut }));
    const whole = counts(tally.scorecards());
    for (const partner of Object.keys(whole))
      expect(whole[partner]).toEqual(
        whole[partner]!.map((_, i) => (before[partner]?.[i] ?? 0) + (after[partner]?.[i] ?? 0)),
      );
    expect(after.swift).toEqual([2, 2, 0, 0, 2, 2, 2]);
    // A rating inside the window counts for the partners of its case, dispatched before it or not.
    expect(tally.scorecards({ from: new Date(T('10:31:00')) })).toEqual([
      expect.objectContaining({ partnerId: 'swift', assigned: 0, satisfaction: { ratings: 2, average: 4 } }),
    ]);
  });

  it('which live as long as the service, forget each case once it is closed and rated', async () => {
    const closedLater: DomainEvent[] = [
      ...SCRIPT,
      domainEvent('caseCompleted', 'c2', { decision: 'approved' }, T('10:40:00')),
      domainEvent(
        'caseFailed',
        'c3',
        { code: 'STEP.NO_PARTNER_DELIVERED', reason: 'no partner delivered' },
        T('10:41:00'),
      ),
      domainEvent('caseWithdrawn', 'c4', { code: 'CASE.WITHDRAWN', reason: 'moved away' }, T('10:42:00')),
      rejected('c3', 'slow', 2, '10:43:00', 'TASK.NOT_ASSIGNED'), // an answer after the case closed
    ];
    const tally = await tallyOf(closedLater);
    // c1 and c4 closed and rated: gone. c2 and c3 closed: only whom a rating would count for.
    expect(tally.held()).toEqual({ taskAttempts: 0, cases: 2 });
    // The answer after c3 closed counts against its sender under no task type, and in no standing.
    expect(tally.scorecards().find((c) => c.partnerId === 'slow' && c.taskType === '(unknown)')).toMatchObject({
      rejectedOther: 1,
    });
    expect(tally.standings().filter((s) => s.taskType === '(unknown)')).toEqual([]);
    // What it forgot changes no figure: the scorecards are those of the script with the cases closed.
    const slow = tally.scorecards().find((c) => c.partnerId === 'slow' && c.taskType === BG);
    expect(slow).toMatchObject({ assigned: 1, failed: 1, rejectedOther: 0 });
  });

  it("join a case's rating to every partner that worked on it, listed before the case's end or after", async () => {
    const tally = await tallyOf([
      dispatched('c9', 'swift', 1, '10:00:00', '10:10:00'),
      domainEvent('caseCompleted', 'c9', { decision: 'approved' }, T('10:20:00')),
      dispatched('c8', 'swift', 1, '10:00:00', '10:10:00'),
      dispatched('c8', 'slow', 2, '10:01:00', '10:11:00'),
      // The API's rating listed before the worker's end of the case: both publish to the ledger.
      domainEvent('satisfactionRated', 'c8', { score: 5 }, T('10:30:00'), '/govmesh/api'),
      domainEvent('caseCompleted', 'c8', { decision: 'approved' }, T('10:30:00')),
      domainEvent('satisfactionRated', 'c9', { score: 1 }, T('10:31:00'), '/govmesh/api'),
      // A case no partner worked on: its rating counts for nobody, and nothing of it is kept.
      domainEvent('caseCompleted', 'c7', { decision: 'approved' }, T('10:32:00')),
      domainEvent('satisfactionRated', 'c7', { score: 2 }, T('10:33:00'), '/govmesh/api'),
    ]);
    expect(byPartner(tally.scorecards()).map((c) => [c.partnerId, c.satisfaction])).toEqual([
      ['slow', { ratings: 1, average: 5 }],
      ['swift', { ratings: 2, average: 3 }],
    ]);
    expect(tally.held()).toEqual({ taskAttempts: 0, cases: 0 });
  });
});

describe('the rating window', () => {
  // A time `days` (and `hms`) after the scripted morning's day, by the ledger's clock.
  const after = (days: number, hms = '10:00:00') =>
    new Date(Date.parse(T(hms)) + days * 24 * 3600 * 1000).toISOString().replace('.000', '');
  const closedThen = (caseId: string) => [
    dispatched(caseId, 'swift', 1, '09:00:00', '09:10:00'),
    accepted(caseId, 'swift', 1, '09:01:00'),
    domainEvent('caseCompleted', caseId, { decision: 'approved' }, T('10:00:00')),
  ];
  const elsewhere = (days: number) =>
    domainEvent('caseSubmitted', `later-${days}`, { serviceId: 'well-permit', serviceVersion: 1 }, after(days));

  it(`lets the scorecards forget a closed case nobody rated within ${RATING_WINDOW_DAYS} days, and count one rated in time`, async () => {
    const tally = await tallyOf([
      ...closedThen('forgotten'),
      ...closedThen('rated-late-in-window'),
      // The ledger moves on: a day past the window (and its day's margin), the unrated case is forgotten…
      elsewhere(RATING_WINDOW_DAYS - 1),
      domainEvent(
        'satisfactionRated',
        'rated-late-in-window',
        { score: 4 },
        after(RATING_WINDOW_DAYS - 1),
        '/govmesh/api',
      ),
      elsewhere(RATING_WINDOW_DAYS + 2),
      // …and a rating for it after that counts for nobody (the API refuses one so late).
      domainEvent('satisfactionRated', 'forgotten', { score: 1 }, after(RATING_WINDOW_DAYS + 2), '/govmesh/api'),
    ]);
    expect(tally.held().cases).toBe(0);
    expect(tally.scorecards().find((c) => c.partnerId === 'swift')?.satisfaction).toEqual({ ratings: 1, average: 4 });
  });

  it('keeps a closed case awaiting its rating for the whole window and its margin', async () => {
    const tally = await tallyOf([...closedThen('awaited'), elsewhere(RATING_WINDOW_DAYS + 1)]);
    expect(tally.held().cases).toBe(1);
  });

  it('lets the public figures forget a closed case nobody rated in time, as the scorecards do', async () => {
    const tally = new TransparencyTally();
    const submitted = (caseId: string) =>
      domainEvent('caseSubmitted', caseId, { serviceId: 'well-permit', serviceVersion: 1 }, T('09:00:00'));
    const events = [
      submitted('forgotten'),
      submitted('rated-in-time'),
      domainEvent('caseCompleted', 'forgotten', { decision: 'approved' }, T('10:00:00')),
      domainEvent('caseCompleted', 'rated-in-time', { decision: 'approved' }, T('10:00:00')),
      domainEvent('satisfactionRated', 'rated-in-time', { score: 4 }, after(RATING_WINDOW_DAYS), '/govmesh/api'),
      elsewhere(RATING_WINDOW_DAYS + 2),
      domainEvent('satisfactionRated', 'forgotten', { score: 1 }, after(RATING_WINDOW_DAYS + 2), '/govmesh/api'),
    ];
    for await (const record of (await ledgerOf(events)).records()) tally.add(record);
    // Only the case submitted later is held; the late rating is in no figure.
    expect(tally.held()).toEqual({ cases: 1 });
    expect(tally.figures().find((f) => f.serviceId === 'well-permit')?.satisfaction).toEqual({
      ratings: 1,
      average: 4,
    });
  });
});

describe('case timelines and transparency', () => {
  it('show an auditor everything with its actor, and a citizen only plain words', async () => {
    const store = await ledgerOf(SCRIPT);
    const records = await store.caseRecords('c3');
    expect(auditTimeline(records).map((e) => [e.type.split('.').slice(2, -1).join('.'), e.actor.kind])).toEqual([
      ['task.dispatched', 'system'],
      ['task.deadline-breached', 'system'],
      ['task.dispatched', 'system'],
      ['task.result-accepted', 'partner'],
      ['task.result-rejected', 'partner'],
    ]);
    const c1 = citizenTimeline(await store.caseRecords('c1'));
    expect(c1.map((e) => e.what)).toEqual([
      'Your application was received; it is due by 2026-11-23T12:00:00Z',
      'Your case was decided: approved',
      'You rated the service',
    ]);
    // Each line's code and values, for a page to word it in its reader's language.
    expect(c1.map((e) => [e.event, e.values])).toEqual([
      ['received', { due: '2026-11-23T12:00:00Z' }],
      ['decided', { decision: 'approved' }],
      ['rated', undefined],
    ]);
    expect(JSON.stringify(c1)).not.toMatch(/swift|officer|task/);
  });

  it('publish per-service figures without a case id in them', async () => {
    const figures = await transparencyFigures((await ledgerOf(SCRIPT)).records());
    expect(figures).toEqual([
      {
        serviceId: 'business-licence',
        received: 1,
        completed: 1,
        failed: 0,
        withinStatutoryDeadline: 1,
        statutoryBreaches: 0,
        medianProcessingMs: 31 * 60_000,
        satisfaction: { ratings: 1, average: 5 },
      },
    ]);
    expect(JSON.stringify(figures)).not.toContain('c1');
  });

  it('count a breach, and not the time a case waited on the applicant against its deadline', async () => {
    const submitted = (caseId: string) =>
      domainEvent(
        'caseSubmitted',
        caseId,
        { serviceId: 'well-permit', serviceVersion: 1, statutoryDeadline: T('10:00:00') },
        T('09:00:00'),
      );
    const ledger = await ledgerOf([
      // Waited an hour on the applicant, then decided at 10:30: within its moved deadline.
      submitted('paused'),
      domainEvent('statutoryClockPaused', 'paused', { deadline: T('10:00:00') }, T('09:10:00')),
      domainEvent('statutoryClockResumed', 'paused', { deadline: T('11:00:00'), pausedSeconds: 3600 }, T('10:10:00')),
      domainEvent('caseCompleted', 'paused', { decision: 'approved' }, T('10:30:00')),
      // Breached while still open: counted now, not only once it ends.
      submitted('late'),
      domainEvent(
        'statutoryDeadlineBreached',
        'late',
        { deadline: T('10:00:00'), escalatedTo: ['head-of-unit'] },
        T('10:00:00'),
      ),
    ]);
    const [figures] = await transparencyFigures(ledger.records());
    expect(figures).toMatchObject({ received: 2, completed: 1, withinStatutoryDeadline: 1, statutoryBreaches: 1 });
  });

  it('follow the ledger holding only the cases that can still change a figure', async () => {
    const submitted = (caseId: string, at: string) =>
      domainEvent('caseSubmitted', caseId, { serviceId: 'well-permit', serviceVersion: 1 }, T(at));
    const tally = new TransparencyTally();
    const events = [
      submitted('rated-after', '09:00:00'),
      submitted('rated-before', '09:00:00'),
      submitted('unrated', '09:00:00'),
      submitted('running', '09:00:00'),
      domainEvent('caseCompleted', 'rated-after', { decision: 'approved' }, T('09:10:00')),
      // The API's rating listed before the worker's end of the case.
      domainEvent('satisfactionRated', 'rated-before', { score: 2 }, T('09:19:00'), '/govmesh/api'),
      domainEvent('caseCompleted', 'rated-before', { decision: 'approved' }, T('09:20:00')),
      domainEvent('caseWithdrawn', 'unrated', { code: 'CASE.WITHDRAWN', reason: 'moved away' }, T('09:30:00')),
      domainEvent('satisfactionRated', 'rated-after', { score: 5 }, T('09:40:00'), '/govmesh/api'),
    ];
    for await (const record of (await ledgerOf(events)).records()) tally.add(record);
    expect(tally.figures()).toEqual([
      expect.objectContaining({
        received: 4,
        completed: 2,
        failed: 0,
        medianProcessingMs: 15 * 60_000,
        satisfaction: { ratings: 2, average: 3.5 },
      }),
    ]);
    // The running case, and the withdrawn one (a rating may still come); the rated two are gone.
    expect(tally.held()).toEqual({ cases: 2 });
  });
});
