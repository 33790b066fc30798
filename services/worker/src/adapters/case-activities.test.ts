import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { CloudEventPublisher } from '@govmesh/messaging';
import type { DispatchRequest, DomainEventRecord } from '@govmesh/workflows/case-activities';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { PartnerDirectory } from '../domain/partner-directory.js';
import { WorkingCalendar } from '../domain/working-calendar.js';
import { createCaseActivities } from './case-activities.js';

type Sent = Parameters<CloudEventPublisher['publishAll']>[0];

/** The activities over a publisher that keeps each send, so a test sees what went out together. */
function activitiesWithSends() {
  const sends: Sent[] = [];
  const publisher = {
    publishAll: (events: Sent) => Promise.resolve(void sends.push(events)),
  } as unknown as CloudEventPublisher;
  const activities = createCaseActivities({
    publisher,
    partners: new PartnerDirectory([]),
    logger: pino({ level: 'silent' }),
  });
  return { activities, sends };
}

const caseId = 'case-1';
const recorded = (
  sequence: number,
  kind: DomainEventRecord['kind'],
  data: Record<string, unknown>,
): DomainEventRecord => ({
  kind,
  caseId,
  stepId: 'check',
  causationId: sequence === 1 ? caseId : `prev-${sequence}`,
  sequence,
  data,
});
const stepStarted = recorded(1, 'stepStarted', { stepId: 'check', mode: 'outsourced' });
const dispatch: DispatchRequest = {
  caseId,
  stepId: 'check',
  taskId: `${caseId}:check`,
  taskType: 'background-check@1',
  partnerId: 'swift-checks',
  attempt: 1,
  classification: { core: false, critical: false },
  mode: 'outsourced',
  deadline: { hours: 1 },
  input: { applicant: { name: 'A' } },
  causationId: 'case-1/check/0/stepStarted/1',
  precedingEvents: [stepStarted],
};

describe("publishing a case's events in one send", () => {
  it('sends the events recorded before a dispatch, the task and its taskDispatched event together, in order', async () => {
    const { activities, sends } = activitiesWithSends();
    await new MockActivityEnvironment().run((r: DispatchRequest) => activities.dispatchTask(r), dispatch);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.map((m) => [m.topic, m.event.id])).toEqual([
      ['govmesh.events', 'case-1/check/0/stepStarted/1'],
      ['govmesh.tasks.swift-checks', 'case-1:check/1/assigned'],
      ['govmesh.events', 'case-1/check/1/taskDispatched'],
    ]);
    expect(sends[0]!.every((m) => m.key === caseId)).toBe(true); // one partition: the ledger reads them in order
  });

  it('still records the preceding events when it refuses to send core-and-critical work out', async () => {
    const { activities, sends } = activitiesWithSends();
    const forged = { ...dispatch, classification: { core: true, critical: true } };
    await expect(
      new MockActivityEnvironment().run((r: DispatchRequest) => activities.dispatchTask(r), forged),
    ).rejects.toMatchObject({ type: 'CONTROL.CORE_CRITICAL_DISPATCH' });
    expect(sends.flat().map((m) => m.event.type)).toEqual([
      DOMAIN_EVENTS.stepStarted.type,
      DOMAIN_EVENTS.dispatchRefused.type,
    ]);
    expect(sends.flat().some((m) => m.topic.startsWith('govmesh.tasks.'))).toBe(false);
  });

  it('refuses a batch with an event that breaks its contract, naming it, and publishes none of it', async () => {
    const { activities, sends } = activitiesWithSends();
    const broken = recorded(2, 'stepCompleted', { stepId: 'check', mode: 'outsourced', outcome: 'finished' });
    const refusal = await activities
      .recordDomainEvents([stepStarted, broken])
      .catch((err: unknown) => err as { type: string; message: string });
    expect(refusal).toMatchObject({ type: 'CONTRACT.INVALID_EVENT' });
    expect(refusal?.message).toContain('domain event stepCompleted does not match its contract');
    expect(sends).toHaveLength(0);
  });
});

describe('reckoning a deadline in working days', () => {
  it("warns, naming the calendar's last known year, when a deadline falls after it, and still answers it", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const activities = createCaseActivities({
      publisher: {} as CloudEventPublisher,
      partners: new PartnerDirectory([]),
      logger: pino(
        { level: 'warn' },
        { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      ),
      calendar: new WorkingCalendar(
        'short',
        'UTC',
        ['saturday', 'sunday'],
        [{ date: '2026-12-25', name: 'Christmas Day' }],
      ),
    });
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.parse('2026-12-21T09:00:00Z') });
    const dueIn = (workingDays: number): Promise<{ due: string }> =>
      env.run<
        [{ workingDays: number }],
        { due: string; inMs: number },
        (d: { workingDays: number }) => Promise<{ due: string; inMs: number }>
      >((d) => activities.computeDueDate({ deadline: d }), { workingDays });
    const within = await dueIn(3);
    expect(within.due).toBe('2026-12-24T09:00:00.000Z');
    expect(lines).toEqual([]);
    const beyond = await dueIn(10);
    expect(beyond.due).toBe('2027-01-05T09:00:00.000Z');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        due: '2027-01-05T09:00:00.000Z',
        jurisdiction: 'short',
        knownThrough: 2026,
      }),
    ]);
  });
});

describe('a look-up of a case started before registry services', () => {
  it('fails at once, not retried, saying the case agency asks the provider now: the worker keeps no records', async () => {
    const { activities } = activitiesWithSends();
    const failure = await activities
      .performLookup({
        caseId,
        stepId: 'employer',
        agency: 'market-regulation',
        registry: 'enterprise-registry',
        key: 'ENT-1001',
        purpose: 'Confirm that the declared employer exists and is active',
      })
      .catch((err: unknown) => err as { type?: string; nonRetryable?: boolean; message: string });
    expect(failure).toMatchObject({ type: 'REGISTRY.ASK_THE_PROVIDER', nonRetryable: true });
  });
});
