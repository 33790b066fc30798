import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { createSimulatedPartner, type Partner } from '@govmesh/partner-sdk';
import { workflowsPath } from '@govmesh/worker';
import { decideOfficerTask, type CaseOutcome } from '@govmesh/workflows/case-api';
import { serviceCase } from '@govmesh/workflows/service-case';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exampleDefinition, logger, runScoped, startPlatform, untilStep, type TestPlatform } from './platform.js';
import { testDataConverter } from './engines.js';

const terms = { deadline: { hours: 48 }, capacity: 10 };
const { profiles, id, suffix } = runScoped([
  {
    id: 'income-checks',
    name: 'Income Checks',
    capabilities: ['income-verification@1'],
    terms: { 'income-verification@1': terms },
    status: 'active',
  },
  {
    id: 'home-visits',
    name: 'Home Visits',
    capabilities: ['home-visit@1'],
    terms: { 'home-visit@1': terms },
    status: 'active',
  },
] satisfies PartnerProfile[]);

/**
 * A worker that picks a case up after another (a restart, a cache eviction, a query on a cold
 * case) replays its history, with every local activity's result already there at once. The
 * social benefit runs a look-up and a partner step side by side: the first run sees their
 * results one after the other, the replay together, and it must still issue the same commands.
 */
describe('replaying a case from its history', () => {
  let platform: TestPlatform;
  const partners: Partner[] = [];

  beforeAll(async () => {
    platform = await startPlatform(profiles, suffix);
    partners.push(
      createSimulatedPartner({
        partnerId: id('income-checks'),
        kafka: platform.kafka,
        logger,
        capabilities: ['income-verification@1'],
        behaviour: { latencyMs: { min: 5, max: 30 } },
      }),
      createSimulatedPartner({
        partnerId: id('home-visits'),
        kafka: platform.kafka,
        logger,
        capabilities: ['home-visit@1'],
      }),
    );
    await Promise.all(partners.map((p) => p.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(partners.map((p) => p.stop()));
    await platform?.stop();
  });

  it('replays a social-benefit case with parallel steps, batched events and officer decisions without a nondeterminism error', async () => {
    const caseId = `replay-${suffix}-${Date.now()}`;
    const handle = await platform.client.workflow.start(serviceCase, {
      taskQueue: platform.taskQueue,
      workflowId: caseId,
      args: [
        {
          caseId,
          definition: exampleDefinition('social-benefit.yaml'),
          application: {
            applicant: {
              name: 'Replay Applicant',
              dateOfBirth: '1984-05-17',
              nationalId: 'NID-REPLAY-1',
              address: '1 Replay Street',
            },
            household: { size: 3 },
            income: { monthlyNet: 1200, employerRegistrationNumber: 'ENT-1002' },
            bankAccount: { iban: 'DE89370400440532013000' },
          },
        },
      ],
    });
    const decide = async (stepId: string, decision: 'approve') => {
      const state = await untilStep(handle, stepId, stepId === 'home-visit' ? 'awaiting-review' : 'awaiting-officer');
      await handle.executeUpdate(decideOfficerTask, {
        args: [{ stepId, role: state.steps[stepId]!.role!, officerId: 'officer-replay', decision }],
      });
    };
    await decide('home-visit', 'approve');
    await decide('decision', 'approve');
    const outcome: CaseOutcome = await handle.result();
    expect(outcome).toMatchObject({ status: 'completed', decision: 'approved' });

    // Throws DeterminismViolationError (TMPRL1100) if the replay would schedule anything differently.
    // The history is sealed: the replaying worker opens it with the same keys, as the real one does.
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: workflowsPath(), dataConverter: testDataConverter() },
        await handle.fetchHistory(),
        caseId,
      ),
    ).resolves.toBeUndefined();
  });
});
