import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { TaskAssignedData, TaskRejectionData } from '@govmesh/contracts/task-messages';
import { createPartner, createSimulatedPartner, type Partner } from '@govmesh/partner-sdk';
import { caseStateQuery, decideOfficerTask, type CaseOutcome } from '@govmesh/workflows/case-api';
import { serviceCase } from '@govmesh/workflows/service-case';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  caseEvents,
  exampleDefinition,
  logger,
  runScoped,
  startPlatform,
  untilStep,
  type TestPlatform,
} from './platform.js';

const terms = { deadline: { hours: 48 }, capacity: 10 };
const { profiles, id, suffix } = runScoped([
  {
    id: 'acme-checks',
    name: 'ACME Checks',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': terms },
    status: 'active',
  },
  {
    id: 'civic-inspect',
    name: 'Civic Inspect',
    capabilities: ['site-inspection@1'],
    terms: { 'site-inspection@1': terms },
    status: 'active',
  },
  {
    id: 'swift-courier',
    name: 'Swift Courier',
    capabilities: ['certificate-delivery@1'],
    terms: { 'certificate-delivery@1': terms },
    status: 'active',
  },
] satisfies PartnerProfile[]);

const application = {
  applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10', nationalId: 'NID-0042', email: 'ada@example.org' },
  business: { name: 'Harbour Bakery', address: '1 Quay Street, Portsmouth', activity: 'bakery' },
};

describe('a business-licence case on the real engines', () => {
  let platform: TestPlatform;
  const partners: Partner[] = [];
  const received: TaskAssignedData[] = [];
  const rejections: TaskRejectionData[] = [];

  beforeAll(async () => {
    platform = await startPlatform(profiles, suffix);
    partners.push(
      createPartner({
        partnerId: id('acme-checks'),
        kafka: platform.kafka,
        logger,
        handlers: {
          'background-check@1': (_input, { task }) => {
            received.push(task);
            return Promise.resolve({ clear: true, findings: [] });
          },
        },
        onRejection: (r) => rejections.push(r),
      }),
      createSimulatedPartner({
        partnerId: id('civic-inspect'),
        kafka: platform.kafka,
        logger,
        capabilities: ['site-inspection@1'],
        behaviour: { latencyMs: { min: 20, max: 80 } },
      }),
      createSimulatedPartner({
        partnerId: id('swift-courier'),
        kafka: platform.kafka,
        logger,
        capabilities: ['certificate-delivery@1'],
      }),
    );
    await Promise.all(partners.map((p) => p.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(partners.map((p) => p.stop()));
    await platform?.stop();
  });

  it('completes: in-house activity, partners over Kafka, the review and the officer decision', async () => {
    const caseId = `bl-${suffix}-1`;
    const handle = await platform.client.workflow.start(serviceCase, {
      taskQueue: platform.taskQueue,
      workflowId: caseId,
      args: [{ caseId, definition: exampleDefinition('business-licence.yaml'), application }],
    });

    await untilStep(handle, 'site-inspection', 'awaiting-review');
    const wrongRole: unknown = await handle
      .executeUpdate(decideOfficerTask, {
        args: [{ stepId: 'site-inspection', officerId: 'officer-7', role: 'inspector', decision: 'approve' }],
      })
      .catch((err: unknown) => err);
    expect(wrongRole).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((wrongRole as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'CASE.WRONG_ROLE',
      message: 'step site-inspection must be decided by a licensing-officer, not a inspector',
    });
    await handle.executeUpdate(decideOfficerTask, {
      args: [{ stepId: 'site-inspection', officerId: 'officer-7', role: 'licensing-officer', decision: 'approve' }],
    });
    await untilStep(handle, 'decision', 'awaiting-officer');
    await handle.executeUpdate(decideOfficerTask, {
      args: [{ stepId: 'decision', officerId: 'officer-9', role: 'licensing-officer', decision: 'approve' }],
    });

    const outcome: CaseOutcome = await handle.result();
    expect(outcome).toEqual({ caseId, status: 'completed', decision: 'approved' });

    const state = await handle.query(caseStateQuery);
    expect(state).toMatchObject({
      steps: {
        'verify-identity': {
          status: 'completed',
          mode: 'in-house',
          output: { verified: true, method: 'register-match' },
        },
        'background-check': { status: 'completed', mode: 'outsourced', partnerId: id('acme-checks'), attempt: 1 },
        'site-inspection': { status: 'completed', mode: 'controlled', partnerId: id('civic-inspect') },
        decision: { status: 'completed', output: { decision: 'approve', decidedBy: 'officer-9' } },
        'deliver-certificate': { status: 'completed', partnerId: id('swift-courier') },
      },
    });

    // Every hand-over is in the case's history: three dispatches, each choosing its partner (local
    // activities, recorded as markers; the partner each went to is in the ledger below), three
    // accepted results, and no separate selection.
    const history = await handle.fetchHistory();
    const dispatched = (history.events ?? []).filter((e) => {
      const details = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return (
        details !== undefined &&
        details !== null &&
        Buffer.from(details).toString().includes('"dispatchToChosenPartner"')
      );
    });
    expect(dispatched).toHaveLength(3);
    const selections = (history.events ?? []).filter((e) => {
      const details = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return details !== undefined && details !== null && Buffer.from(details).toString().includes('"selectPartner"');
    });
    expect(selections).toEqual([]);
    const accepted = (history.events ?? []).filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submitTaskResult',
    );
    expect(accepted).toHaveLength(3);
    expect(rejections).toEqual([]);
    // The case's version is one marker (and one change-version upsert), not one per workflow change,
    // asked at the start: a marker asked later may not replay (case-context.ts).
    const versionMarkers = (history.events ?? [])
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => {
        const data = e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!;
        return (JSON.parse(Buffer.from(data).toString()) as { id: string }).id;
      });
    expect(versionMarkers).toEqual(['case-features-2026-12-02']);

    // The audit ledger: every state change, each caused by the one before, with ids a replay reproduces.
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.caseCompleted.type);
    expect(events[0]).toMatchObject({
      id: `${caseId}/case/0/caseSubmitted/1`,
      type: DOMAIN_EVENTS.caseSubmitted.type,
      data: { correlationId: caseId, causationId: caseId },
    });
    expect(events.filter((e) => e.type === DOMAIN_EVENTS.taskDispatched.type).map((e) => e.data.partnerId)).toEqual([
      id('acme-checks'),
      id('civic-inspect'),
      id('swift-courier'),
    ]);
    expect(events.filter((e) => e.type === DOMAIN_EVENTS.taskDispatched.type)[0]?.data.sharedFields).toEqual([
      'applicant.name',
      'applicant.dateOfBirth',
    ]);
    expect(events.filter((e) => e.type === DOMAIN_EVENTS.resultAccepted.type)).toHaveLength(3);
    expect(events.filter((e) => e.type === DOMAIN_EVENTS.reviewDecided.type).map((e) => e.data.decision)).toEqual([
      'approve',
      'approve',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // Dispatches included: the case's journal numbers them, so the chain has no gap.
    events.slice(1).forEach((e, i) => expect(e.data.causationId).toBe(events[i]!.id));
    for (const e of events) expect(JSON.stringify(e)).not.toContain('NID-0042');
  });

  it('hands a partner only the fields its step shares', () => {
    const task = received.at(-1)!;
    expect(task.taskType).toBe('background-check@1');
    expect(task.input).toEqual({ applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10' } });
    const text = JSON.stringify(task);
    for (const secret of ['NID-0042', 'ada@example.org', 'Harbour Bakery', 'Quay Street'])
      expect(text).not.toContain(secret);
  });
});
