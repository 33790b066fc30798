import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { createSimulatedPartner, type Partner } from '@govmesh/partner-sdk';
import { caseStateQuery, decideOfficerTask } from '@govmesh/workflows/case-api';
import { serviceCase } from '@govmesh/workflows/service-case';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  caseEvents,
  logger,
  outsourcedStep,
  runScoped,
  serviceWith,
  startPlatform,
  untilStep,
  type TestPlatform,
} from './platform.js';

const terms = { deadline: { hours: 48 }, capacity: 10 };
const { profiles, id, suffix } = runScoped([
  {
    id: 'first',
    name: 'First Checks',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': terms },
    status: 'active',
  },
  {
    id: 'second',
    name: 'Second Checks',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': terms },
    status: 'active',
  },
] satisfies PartnerProfile[]);

const definition = (fallback: { role: string } | { fail: true }): ServiceDefinition =>
  serviceWith('vetting', [
    outsourcedStep('background-check', 'background-check@1', ['applicant.name', 'applicant.dateOfBirth'], {
      maxReassignments: 1,
      fallback,
    }),
  ]);
const application = {
  applicant: { name: 'Alan Turing', dateOfBirth: '1982-06-23', nationalId: 'NID-9', email: 'alan@example.org' },
  business: { name: 'Enigma Books', address: '3 Bletchley Lane', activity: 'books' },
};

describe('when partners cannot deliver', () => {
  let platform: TestPlatform;
  const partners: Partner[] = [];

  beforeAll(async () => {
    platform = await startPlatform(profiles, suffix);
    for (const base of ['first', 'second']) {
      partners.push(
        createSimulatedPartner({
          partnerId: id(base),
          kafka: platform.kafka,
          logger,
          capabilities: ['background-check@1'],
          behaviour: { failureRate: 1 },
        }),
      );
    }
    await Promise.all(partners.map((p) => p.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(partners.map((p) => p.stop()));
    await platform?.stop();
  });

  it('reassigns to the next eligible partner, then falls back to an in-house officer', async () => {
    const caseId = `reassign-${suffix}-officer`;
    const handle = await platform.client.workflow.start(serviceCase, {
      taskQueue: platform.taskQueue,
      workflowId: caseId,
      args: [{ caseId, definition: definition({ role: 'licensing-officer' }), application }],
    });
    const waiting = await untilStep(handle, 'background-check', 'awaiting-officer');
    expect(waiting.steps['background-check']).toMatchObject({
      mode: 'in-house',
      role: 'licensing-officer',
      attempt: 2,
      partnerId: id('second'),
    });

    await handle.executeUpdate(decideOfficerTask, {
      args: [
        {
          stepId: 'background-check',
          officerId: 'officer-3',
          role: 'licensing-officer',
          decision: 'approve',
          output: { clear: true, findings: [] },
        },
      ],
    });
    expect(await handle.result()).toMatchObject({ caseId, status: 'completed' });
    expect((await handle.query(caseStateQuery)).steps['background-check']?.output).toMatchObject({
      clear: true,
      decidedBy: 'officer-3',
    });

    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.caseCompleted.type);
    expect(events.find((e) => e.type === DOMAIN_EVENTS.taskReassigned.type)?.data).toMatchObject({
      fromPartnerId: id('first'),
      toPartnerId: id('second'),
      attempt: 2,
    });
    expect(events.find((e) => e.type === DOMAIN_EVENTS.fellBackInHouse.type)?.data).toMatchObject({
      role: 'licensing-officer',
      reason: 'no partner delivered after 2 partner(s)',
    });
  });

  it('fails the case, with the reason, when the fallback says so', async () => {
    const caseId = `reassign-${suffix}-fail`;
    const outcome = await (
      await platform.client.workflow.start(serviceCase, {
        taskQueue: platform.taskQueue,
        workflowId: caseId,
        args: [{ caseId, definition: definition({ fail: true }), application }],
      })
    ).result();
    expect(outcome).toEqual({
      caseId,
      status: 'failed',
      reason: "no partner delivered background-check@1 and the step's fallback is to fail",
    });
  });
});
