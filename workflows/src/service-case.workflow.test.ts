import { randomBytes } from 'node:crypto';

import { domainEventId } from '@govmesh/contracts/case-ids';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  OFFICER_DUE_BY,
  caseStateQuery,
  claimOfficerTask,
  decideOfficerTask,
  provideCitizenInput,
  revokePartnerTask,
  submitTaskResult,
  withdrawCase,
  type CaseOutcome,
} from './case-api.js';
import {
  bundleServiceCase,
  startCaseHarness,
  type CaseHarness,
  type CaseHarnessOptions,
} from './testing/case-harness.js';
import {
  agencyDownDefinition,
  businessLicenceApplication,
  CASE_SCENARIOS,
  compensatedDefinition,
  exampleDefinition,
  socialBenefitApplication,
  statutoryClockDefinition,
  withdrawableDefinition,
} from './testing/scenarios.js';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: { temporal: { address: string } };
  }
}

/**
 * The service-case workflow on the suite's real Temporal server with its activities stubbed
 * (testing/case-harness.ts): each kind of step, each refusal of each Update, deadlines,
 * reassignment and escalation. Deadlines are a second or two, set by the stubs.
 */
let bundle: WorkflowBundleWithSourceMap;
const harnesses: CaseHarness[] = [];

beforeAll(async () => {
  bundle = await bundleServiceCase();
}, 60_000);

afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

async function harness(
  options: Pick<
    CaseHarnessOptions,
    | 'partners'
    | 'partnerDeadlineMs'
    | 'dueInMs'
    | 'agenciesDown'
    | 'partnerAnswersWithinDispatch'
    | 'statutoryMs'
    | 'registryRefuses'
  > = {},
) {
  const h = await startCaseHarness({
    address: inject('infra').temporal.address,
    workflows: { bundle },
    suffix: randomBytes(3).toString('hex'),
    ...options,
  });
  harnesses.push(h);
  return h;
}

const caseId = (name: string): string => `${name}-${randomBytes(4).toString('hex')}`;

/** The Update's refusal: its failure type, as the bridge and the API read it. */
async function refusal(update: Promise<unknown>): Promise<string> {
  const err = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as { type?: string }).type ?? 'untyped';
}

describe('a case through every kind of step', () => {
  it.each(CASE_SCENARIOS)('$name ends as the scenario drives it', async (scenario) => {
    const h = await harness(scenario.harness);
    const handle = await scenario.run(h, caseId(scenario.name));
    const outcome = (await handle.result()) as CaseOutcome;
    expect(outcome.status).toBe(scenario.ends ?? 'completed');
    const kinds = h.calls.events.map((e) => e.kind);
    expect(kinds[0]).toBe('caseSubmitted');
    expect(kinds.at(-1)).toBe(scenario.ends === 'withdrawn' ? 'caseWithdrawn' : 'caseCompleted');
    // Every event's sequence follows the one before, dispatches included: nothing recorded was lost
    // or sent twice. Each names an event before it as its cause (in sequence, the one just before;
    // side by side, the branches share theirs), so the causation chain has no gap.
    const events = [...h.calls.events].sort((a, b) => a.sequence - b.sequence);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const ids = events.map((e) => domainEventId(e));
    events.slice(1).forEach((e, i) => expect(ids.slice(0, i + 1)).toContain(e.causationId));
  });

  it('runs agency activities, looks a registry up, asks the citizen and sends a controlled step back for rework', async () => {
    const scenario = CASE_SCENARIOS.find((s) => s.name === 'social-benefit-with-rework')!;
    const h = await harness(scenario.harness);
    const handle = await scenario.run(h, caseId('benefit'));
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'approved' });
    expect(h.calls.agencyRuns.map((r) => r.activity)).toEqual(['verifyIdentity', 'schedulePayments']);
    // The case's own agency asks the provider's registry service, for the stated purpose and fields.
    expect(h.calls.lookups).toEqual([
      {
        requestId: `${handle.workflowId}:employer-lookup`,
        client: expect.stringMatching(/^social-security-/) as unknown,
        provider: 'market-regulation',
        registry: 'enterprise-registry',
        caseId: handle.workflowId,
        purpose: 'Confirm that the declared employer exists and is active',
        fields: ['name', 'status'],
        key: 'ENT-1001',
      },
    ]);
    expect(h.calls.events.find((e) => e.kind === 'lookupPerformed')?.data).toMatchObject({
      fields: ['name', 'status'],
      requestHash: 'a'.repeat(64),
    });
    const visits = h.calls.dispatches.filter((d) => d.stepId === 'home-visit');
    expect(visits.map((d) => d.attempt)).toEqual([1, 2]);
    expect(visits[1]!.rework).toEqual({ previousAttempt: 1, reasons: ['the household size is not recorded'] });
    // Data minimization: the partner sees only what the step shares.
    expect(visits[0]!.input).toEqual({ applicant: { address: '5 Canal Road' }, household: { size: 3 } });
    const state = await handle.query(caseStateQuery);
    expect(state).toMatchObject({
      status: 'completed',
      steps: {
        'income-evidence': { status: 'completed', output: { 'income.monthlyNet': 1830 } },
        'employer-lookup': { output: { found: true, name: 'Harbour Bakery', status: 'active' } },
      },
    });
  });

  it("records a look-up the provider refuses, with its reason and the request's hash, and fails the step or hands it to the fallback officer", async () => {
    const refusal = { code: 'REGISTRY.PURPOSE_NOT_ALLOWED', reason: 'not shared for this purpose' };
    const h = await harness({ registryRefuses: refusal });
    const lookupOnly = (fallback?: { role: string }): ServiceDefinition => ({
      ...exampleDefinition('social-benefit.yaml'),
      steps: [
        {
          id: 'employer-lookup',
          lookup: {
            agency: 'market-regulation',
            registry: 'enterprise-registry',
            key: 'income.employerRegistrationNumber',
            purpose: 'Find out who else works for the employer',
            fields: ['name'],
            ...(fallback ? { fallback } : {}),
          },
        },
      ],
    });
    const failed = await h.start(caseId('refused'), lookupOnly(), socialBenefitApplication);
    expect(await failed.result()).toMatchObject({
      status: 'failed',
      reason: "market-regulation's enterprise-registry refused the look-up: not shared for this purpose",
    });
    expect(h.calls.events.find((e) => e.kind === 'lookupRefused')?.data).toMatchObject({
      ...refusal,
      requestHash: 'a'.repeat(64),
    });
    expect(h.calls.events.find((e) => e.kind === 'caseFailed')?.data).toMatchObject({ code: refusal.code });

    const handed = await h.start(caseId('refused'), lookupOnly({ role: 'benefits-officer' }), socialBenefitApplication);
    await h.untilStep(handed, 'employer-lookup', 'awaiting-officer');
    await h.decide(handed, 'employer-lookup', 'approve', {
      role: 'benefits-officer',
      output: { name: 'Harbour Bakery' },
    });
    expect(await handed.result()).toMatchObject({ status: 'completed' });
  });

  it("checks an officer's in-house work against the task type's contract, as a partner's: the next steps read it", async () => {
    // No partner offers income verification: the step falls back to a benefits officer at once.
    const h = await harness({ partners: { 'home-visit@1': ['visits-a'] } });
    const handle = await h.start(
      caseId('in-house'),
      h.own(exampleDefinition('social-benefit.yaml')),
      socialBenefitApplication,
    );
    await h.untilStep(handle, 'income-verification', 'awaiting-officer');
    const approve = (output: Record<string, unknown>) =>
      handle.executeUpdate(decideOfficerTask, {
        args: [
          {
            stepId: 'income-verification',
            officerId: 'officer-1',
            role: 'benefits-officer',
            decision: 'approve',
            output,
          },
        ],
      });
    // Another task type's output (what the demo's officer once sent): the income step would have
    // read `confirmed` as missing and asked the citizen, for two weeks, for nothing.
    expect(await refusal(approve({ clear: true, findings: [] }))).toBe('CONTRACT.INVALID_OUTPUT');
    await approve({ confirmed: true, verifiedMonthlyNet: 1500 });
    const state = await h.untilStep(handle, 'home-visit', 'awaiting-partner');
    expect(state.steps['income-evidence']?.status).toBe('skipped');
  });

  it('skips a step whose condition does not hold', async () => {
    const h = await harness({ partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] } });
    const handle = await h.start(
      caseId('benefit'),
      h.own(exampleDefinition('social-benefit.yaml')),
      socialBenefitApplication,
    );
    await h.answer(handle, 'income-verification', { confirmed: true, verifiedMonthlyNet: 1500 });
    const state = await h.untilStep(handle, 'home-visit', 'awaiting-partner');
    expect(state.steps['income-evidence']?.status).toBe('skipped');
    await h.answer(handle, 'home-visit', { visitedOn: '2026-11-20', needConfirmed: true });
    await h.decide(handle, 'home-visit', 'approve');
    await h.decide(handle, 'decision', 'reject');
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'rejected' });
    expect(h.calls.agencyRuns.map((r) => r.activity)).toEqual(['verifyIdentity']);
  });

  it('fails the step when no partner delivers and the fallback is to fail', async () => {
    const h = await harness({
      partners: { 'background-check@1': ['checks-a'], 'site-inspection@1': ['inspect-a'] },
    });
    const handle = await h.start(
      caseId('licence'),
      h.own(exampleDefinition('business-licence.yaml')),
      businessLicenceApplication,
    );
    await h.answer(handle, 'background-check', { clear: true, findings: [] });
    await h.answer(handle, 'site-inspection', { passed: true, inspectedOn: '2026-11-20', defects: [] });
    await h.decide(handle, 'site-inspection', 'approve');
    await h.decide(handle, 'decision', 'approve');
    // No courier holds certificate-delivery@1.
    expect(await handle.result()).toMatchObject({ status: 'failed' });
    expect(h.calls.events.at(-1)).toMatchObject({ kind: 'caseFailed', data: { code: 'STEP.NO_PARTNER_DELIVERED' } });
    // The dispatch that found no courier sent nothing to a partner, but did publish the events
    // before it, and took no number: the ledger's sequence and causation chain have no gap.
    expect(h.calls.dispatches.map((d) => d.stepId)).not.toContain('deliver-certificate');
    expect(h.calls.events).toContainEqual(
      expect.objectContaining({ kind: 'stepStarted', stepId: 'deliver-certificate' }),
    );
    const events = [...h.calls.events].sort((a, b) => a.sequence - b.sequence);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const ids = events.map((e) => domainEventId(e));
    events.slice(1).forEach((e, i) => expect(ids.slice(0, i + 1)).toContain(e.causationId));
  });
});

describe('a partner that answers at once', () => {
  it('has its result taken even when it reaches the case before the dispatch that chose the partner returns', async () => {
    const h = await harness({
      partners: { 'background-check@1': ['quick', 'steady'] },
      partnerAnswersWithinDispatch: 'after-a-heartbeat',
    });
    const handle = await h.start(
      caseId('licence'),
      h.own(exampleDefinition('business-licence.yaml')),
      businessLicenceApplication,
    );
    // quick's answer (it could not do the check) is accepted, and the task goes to steady.
    const state = await h.until(handle, 'the check reassigned', (s) => s.steps['background-check']?.attempt === 2);
    expect(state.steps['background-check']).toMatchObject({ status: 'awaiting-partner', partnerId: 'steady' });
    expect(h.calls.answersWithinDispatch).toEqual(['accepted']);
    expect(h.calls.events).toContainEqual(
      expect.objectContaining({
        kind: 'resultAccepted',
        data: expect.objectContaining({ partnerId: 'quick', attempt: 1, outcome: 'failed' }) as unknown,
      }),
    );
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, await h.history(handle), handle.workflowId),
    ).resolves.toBeUndefined();
    await handle.terminate('the test is over');
  });

  it('is refused as busy until the dispatch has returned, so that a case asked queries meanwhile replays', async () => {
    // A query answered in the workflow task a dispatch finishes in makes the worker record the
    // dispatch's result there and hand it to the case in the next task, with the answer: the race
    // CI met on 2026-12-04 (forced-task-replay.test.ts). Taken then, 9 of 30 such cases did not replay.
    const h = await harness({
      partners: { 'background-check@1': ['quick', 'steady'] },
      partnerAnswersWithinDispatch: 'at-once',
    });
    // Cases twelve at a time, until some answers have met the race (at most 60 cases).
    const replays: string[] = [];
    while (h.calls.busyRefusals < 3 && replays.length < 60)
      replays.push(...(await Promise.all(Array.from({ length: 12 }, () => caseReplayedAfterQueries(h)))));
    expect(replays).toEqual(replays.map(() => 'replayed'));
    expect(h.calls.answersWithinDispatch).toEqual(replays.map(() => 'accepted'));
    // The race was met: some answers reached their case before the dispatch's result did.
    expect(h.calls.busyRefusals).toBeGreaterThan(0);
  }, 120_000);
});

/** A licence case whose partner answers at once, asked queries without pause until it reassigns: replayed. */
async function caseReplayedAfterQueries(h: CaseHarness): Promise<string> {
  const handle = await h.start(
    caseId('licence'),
    h.own(exampleDefinition('business-licence.yaml')),
    businessLicenceApplication,
  );
  let reassigned = false;
  const asking = [1, 2].map(async () => {
    while (!reassigned) await handle.query(caseStateQuery).catch(() => undefined);
  });
  await h.until(handle, 'the check reassigned', (s) => s.steps['background-check']?.attempt === 2);
  reassigned = true;
  await Promise.all(asking);
  const history = await h.history(handle);
  await handle.terminate('the test is over');
  return Worker.runReplayHistory({ workflowBundle: bundle }, history, handle.workflowId).then(
    () => 'replayed',
    (err: unknown) => String(err),
  );
}

describe('the stack trace of a waiting case', () => {
  it('still names the step code it waits in, with the sandbox keeping fewer frames of each stack', async () => {
    const h = await harness({ partners: { 'background-check@1': ['steady'] } });
    const handle = await h.start(
      caseId('licence'),
      h.own(exampleDefinition('business-licence.yaml')),
      businessLicenceApplication,
    );
    await h.until(handle, 'waiting for a partner', (s) => s.steps['background-check']?.status === 'awaiting-partner');
    const trace = await handle.query<string>('__stack_trace');
    // Where it waits: the partner step's wait for the result or the deadline.
    expect(trace).toMatch(/at waitUntil \(.*steps\/partner-step\.ts:\d+/);
    await handle.terminate('the test is over');
  });
});

describe('deadlines', () => {
  it('reassigns a partner task whose deadline passed, revoking it, and falls back to an officer who is escalated', async () => {
    const scenario = CASE_SCENARIOS.find((s) => s.name === 'business-licence-deadlines')!;
    const h = await harness(scenario.harness);
    const handle = await scenario.run(h, caseId('deadlines'));
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'rejected' });
    expect(h.calls.revocations.filter((r) => r.taskId.endsWith(':background-check'))).toEqual([
      expect.objectContaining({ partnerId: 'slow-a', attempt: 1, code: 'TASK.DEADLINE_PASSED' }),
      expect.objectContaining({ partnerId: 'slow-b', attempt: 2, code: 'TASK.DEADLINE_PASSED' }),
    ]);
    const kinds = h.calls.events.filter((e) => e.stepId === 'background-check').map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['deadlineBreached', 'taskReassigned', 'fellBackInHouse', 'officerTaskEscalated']),
    );
    expect(h.calls.events.find((e) => e.kind === 'officerTaskEscalated')?.data).toMatchObject({
      fromRole: 'licensing-officer',
      toRole: 'licensing-supervisor',
    });
  });

  it("gives an officer or the applicant the service's default deadline at a step that names none, else 10 working days", async () => {
    const h = await harness({ dueInMs: 2_500 });
    const undated: ServiceDefinition = {
      apiVersion: 'govmesh/v1',
      kind: 'Service',
      id: 'undated',
      version: 1,
      title: 'Steps that name no deadline',
      ownerAgency: 'market-regulation',
      application: { schema: 'business-licence-application@1' },
      steps: [
        { id: 'note', citizenInput: { fields: [], prompt: 'Anything to add?', reminders: 1, onExpiry: 'withdraw' } },
        {
          id: 'decision',
          classification: { core: true, critical: true },
          officer: { role: 'licensing-officer' },
          share: [],
        },
      ],
    };
    // With the service's own default: the applicant is reminded, then the case is withdrawn.
    const own = await h.start(
      caseId('undated'),
      { ...undated, defaultDeadline: { hours: 4 } },
      businessLicenceApplication,
    );
    expect(await own.result()).toMatchObject({ status: 'withdrawn' });
    expect(h.calls.dueDates).toEqual([{ hours: 4 }, { hours: 4 }]);
    expect(h.calls.events.map((e) => e.kind)).toContain('citizenInputReminded');
    // Without one: the platform's 10 working days, and an officer who lets them pass is escalated.
    const platform = await h.start(caseId('undated'), undated, businessLicenceApplication);
    await h.provide(platform, 'note', { note: 'as asked' });
    await h.until(platform, 'the escalation', (s) => s.steps.decision?.role === 'licensing-officer-supervisor');
    // The applicant's wait, the officer's, and the supervisor's after the escalation.
    expect(h.calls.dueDates.slice(2)).toEqual([{ workingDays: 10 }, { workingDays: 10 }, { workingDays: 10 }]);
    await h.decide(platform, 'decision', 'approve');
    expect(await platform.result()).toMatchObject({ status: 'completed' });
  });

  it('climbs the escalation chain to its top, records one breach there, and waits through 1,000 deadline periods with a bounded history', async () => {
    const h = await harness({ dueInMs: 10 });
    const definition = {
      ...exampleDefinition('business-licence.yaml'),
      escalation: { chain: ['licensing-supervisor', 'head-of-licensing'] },
      steps: [{ id: 'decision', officer: { role: 'licensing-officer', deadline: { workingDays: 3 } } }],
    } as ServiceDefinition;
    const handle = await h.start(caseId('overdue'), definition, businessLicenceApplication);
    const top = await h.until(handle, 'the breach at the top', (s) => s.steps.decision?.overdue === true);
    expect(top.steps.decision).toMatchObject({ role: 'head-of-licensing', escalatedFrom: 'licensing-officer' });
    // The breach record reaches the ledger (one local activity) just after the state shows it.
    await new Promise((r) => setTimeout(r, 1_000));
    const atTheTop = (await handle.fetchHistory()).events!.length;
    // A thousand deadline periods (10 ms each, in skipped time): before, each escalated the task again.
    await new Promise((r) => setTimeout(r, 1_000 * 10 + 500));
    expect((await handle.fetchHistory()).events!.length).toBe(atTheTop);
    // Its markers, its activities and the climb: the same for a case that waits a day or a year.
    expect(atTheTop).toBeLessThan(100);
    await handle.executeUpdate(decideOfficerTask, {
      args: [{ stepId: 'decision', officerId: 'head-1', role: 'head-of-licensing', decision: 'approve' }],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'approved' });
    const climbed = h.calls.events.filter((e) => e.kind === 'officerTaskEscalated').map((e) => e.data);
    expect(climbed).toEqual([
      expect.objectContaining({ fromRole: 'licensing-officer', toRole: 'licensing-supervisor' }),
      expect.objectContaining({ fromRole: 'licensing-supervisor', toRole: 'head-of-licensing' }),
    ]);
    expect(h.calls.events.filter((e) => e.kind === 'officerTaskBreached').map((e) => e.data)).toEqual([
      expect.objectContaining({ stepId: 'decision', role: 'head-of-licensing' }),
    ]);
  });

  it("without a chain, escalates once to the role's supervisor and is recorded as breached there", async () => {
    const h = await harness({ dueInMs: 300 });
    const { escalation: _chain, ...withoutChain } = exampleDefinition('business-licence.yaml');
    const definition = {
      ...withoutChain,
      steps: [{ id: 'decision', officer: { role: 'licensing-officer', deadline: { workingDays: 3 } } }],
    } as ServiceDefinition;
    const handle = await h.start(caseId('overdue'), definition, businessLicenceApplication);
    const state = await h.until(handle, 'the breach', (s) => s.steps.decision?.overdue === true);
    expect(state.steps.decision).toMatchObject({ role: 'licensing-officer-supervisor' });
    await h.decide(handle, 'decision', 'approve', { role: 'licensing-officer-supervisor' });
    expect(await handle.result()).toMatchObject({ status: 'completed' });
    expect(h.calls.events.filter((e) => e.kind === 'officerTaskEscalated')).toHaveLength(1);
    expect(h.calls.events.filter((e) => e.kind === 'officerTaskBreached')).toHaveLength(1);
  });

  it("shows its officer task's due date to the inbox's index, moved by an escalation and gone once decided", async () => {
    const h = await harness({ dueInMs: 1_500 });
    const { escalation: _chain, ...withoutChain } = exampleDefinition('business-licence.yaml');
    const definition = {
      ...withoutChain,
      steps: [
        { id: 'decision', officer: { role: 'licensing-officer', deadline: { workingDays: 3 } } },
        { id: 'note', citizenInput: { fields: [], prompt: 'Anything to add?', reminders: 1, onExpiry: 'withdraw' } },
      ],
    } as ServiceDefinition;
    const handle = await h.start(caseId('due-by'), definition, businessLicenceApplication);
    const dueBy = async () => (await handle.describe()).typedSearchAttributes.get(OFFICER_DUE_BY)?.toISOString();
    const first = await h.until(handle, 'the officer task', (s) => s.steps.decision?.status === 'awaiting-officer');
    expect(await dueBy()).toBe(first.steps.decision!.deadline);
    const escalated = await h.until(handle, 'the breach', (s) => s.steps.decision?.overdue === true);
    expect(escalated.steps.decision!.deadline).not.toBe(first.steps.decision!.deadline);
    expect(await dueBy()).toBe(escalated.steps.decision!.deadline);
    await h.decide(handle, 'decision', 'approve', { role: 'licensing-officer-supervisor' });
    // Waiting on the applicant now, on no officer.
    await h.until(handle, 'the applicant', (s) => s.steps.note?.status === 'awaiting-citizen');
    expect(await dueBy()).toBeUndefined();
    await h.provide(handle, 'note', {});
    expect(await handle.result()).toMatchObject({ status: 'completed' });
  });

  it('withdraws a case whose applicant never answers, after the reminders', async () => {
    const h = await harness({ dueInMs: 700 });
    const definition: ServiceDefinition = {
      ...exampleDefinition('social-benefit.yaml'),
      steps: [
        {
          id: 'payslip',
          citizenInput: {
            fields: ['income.monthlyNet'],
            prompt: 'Your net monthly income, please.',
            deadline: { workingDays: 10 },
            reminders: 1,
          },
        },
      ],
    } as ServiceDefinition;
    const handle = await h.start(caseId('silent'), definition, socialBenefitApplication);
    expect(await handle.result()).toMatchObject({ status: 'withdrawn' });
    expect(h.calls.events.map((e) => e.kind)).toEqual([
      'caseSubmitted',
      'stepStarted',
      'citizenInputRequested',
      // The statutory clock stands still while the applicant has the case; it never runs again.
      'statutoryClockPaused',
      'citizenInputReminded',
      'caseWithdrawn',
    ]);
  });
});

describe('the statutory time limit', () => {
  it("stands still while the case waits on the applicant, warns, and once breached sends the officer's task to the top of the chain", async () => {
    const h = await harness({ statutoryMs: 3_000 });
    const handle = await h.start(caseId('statutory'), statutoryClockDefinition(), businessLicenceApplication);
    const waiting = await h.until(handle, 'the clock to stop', (s) => s.deadlinePaused === true);
    const firstDue = Date.parse(waiting.deadline!);
    // Past the warning and the deadline as first set: neither counts, the applicant had the case.
    await new Promise((r) => setTimeout(r, 3_500));
    const kinds = () => h.calls.events.map((e) => e.kind).filter((k) => k.startsWith('statutory'));
    expect(kinds()).toEqual(['statutoryClockPaused']);
    await h.provide(handle, 'note', { note: 'as asked' });
    const running = await h.until(handle, 'the clock to run again', (s) => s.deadlinePaused === undefined);
    // The deadline moved on by the time paused.
    expect(Date.parse(running.deadline!) - firstDue).toBeGreaterThanOrEqual(3_500);
    const breached = await h.until(handle, 'the breach', (s) => s.deadlineBreached === true, 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(running.deadline!));
    expect(breached.steps.decision).toMatchObject({ role: 'head-of-licensing', escalatedFrom: 'licensing-officer' });
    // Published as the case starts its next wait, a moment after the state shows the breach.
    await expect
      .poll(kinds)
      .toEqual(['statutoryClockPaused', 'statutoryClockResumed', 'statutoryDeadlineNear', 'statutoryDeadlineBreached']);
    const event = (kind: string) => h.calls.events.find((e) => e.kind === kind)!.data;
    expect(event('statutoryClockResumed')).toMatchObject({ deadline: running.deadline });
    expect(event('statutoryClockResumed').pausedSeconds).toBeGreaterThanOrEqual(3);
    expect(event('statutoryDeadlineBreached')).toEqual(
      expect.objectContaining({ deadline: running.deadline, escalatedTo: ['head-of-licensing'] }),
    );
    expect(h.calls.events.find((e) => e.kind === 'officerTaskEscalated')?.data).toMatchObject({
      fromRole: 'licensing-officer',
      toRole: 'head-of-licensing',
    });
    await h.decide(handle, 'decision', 'approve', { role: 'head-of-licensing' });
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'approved' });
    // The last of the clock's events is the breach: nothing after the case ended.
    expect(h.calls.events.at(-1)?.kind).toBe('caseCompleted');
  });
});

describe('withdrawal by the applicant', () => {
  it("stops the case where it waits, takes back the partner's task, and ends withdrawn", async () => {
    const scenario = CASE_SCENARIOS.find((s) => s.name === 'business-licence-withdrawn')!;
    const h = await harness(scenario.harness);
    const handle = await scenario.run(h, caseId('withdrawn'));
    expect(await handle.result()).toMatchObject({ status: 'withdrawn', reason: 'I moved abroad' });
    expect(h.calls.revocations).toEqual([
      expect.objectContaining({ partnerId: 'checks-a', attempt: 1, code: 'CASE.CLOSED', reasons: ['I moved abroad'] }),
    ]);
    const kinds = h.calls.events.map((e) => e.kind);
    expect(kinds.slice(-2)).toEqual(['taskRevoked', 'caseWithdrawn']);
    expect(h.calls.events.at(-1)?.data).toEqual({ code: 'CASE.WITHDRAWN_BY_APPLICANT', reason: 'I moved abroad' });
    // The step after the group never started.
    expect(kinds.filter((k) => k === 'stepStarted')).toHaveLength(2);
    expect((await handle.query(caseStateQuery)).status).toBe('withdrawn');
  });

  it('refuses a withdrawal without a reason, or of a case that has ended', async () => {
    const h = await harness({ partners: { 'background-check@1': ['checks-a'] }, partnerDeadlineMs: 60_000 });
    const handle = await h.start(caseId('withdraw-refused'), withdrawableDefinition(), businessLicenceApplication);
    await h.untilStep(handle, 'decision', 'awaiting-officer');
    expect(
      await refusal(handle.executeUpdate(withdrawCase, { args: [{ withdrawnBy: 'citizen-1', reason: ' ' }] })),
    ).toBe('CASE.WITHDRAWAL_REASON');
    await handle.executeUpdate(withdrawCase, { args: [{ withdrawnBy: 'citizen-1', reason: 'changed my mind' }] });
    await handle.result();
    // An ended case takes no Update at all: Temporal refuses it before any validator.
    await expect(
      handle.executeUpdate(withdrawCase, { args: [{ withdrawnBy: 'citizen-1', reason: 'again' }] }),
    ).rejects.toThrow();
  });
});

describe('an agency whose systems are down', () => {
  it('records agency.unavailable once its pickup limit passes and hands the step to the fallback role', async () => {
    const h = await harness({
      partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] },
      agenciesDown: ['public-security'],
    });
    const handle = await h.start(caseId('agency-down'), h.own(agencyDownDefinition()), socialBenefitApplication);
    const started = Date.now();
    const waiting = await h.untilStep(handle, 'verify-identity', 'awaiting-officer', 15_000);
    // Within the 2 s limit and a margin, not for ever.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(waiting.steps['verify-identity']).toMatchObject({
      role: 'identity-officer',
      agencyDelayed: expect.stringMatching(/^public-security-/) as unknown,
    });
    // The step shows as waiting once the case starts to wait; its events are published as part of
    // that wait (after the due date is computed), a moment later.
    await expect
      .poll(() => h.calls.events.find((e) => e.kind === 'agencyUnavailable')?.data)
      .toMatchObject({
        stepId: 'verify-identity',
        activity: 'verifyIdentity',
        waitedSeconds: 2,
        fallbackRole: 'identity-officer',
      });
    expect(h.calls.agencyRuns.filter((r) => r.activity === 'verifyIdentity')).toEqual([]);
    await h.decide(handle, 'verify-identity', 'approve', { output: { verified: true } });
    await h.untilStep(handle, 'income-verification', 'awaiting-partner');
    expect((await handle.query(caseStateQuery)).steps['verify-identity']).toMatchObject({ status: 'completed' });
    await handle.terminate('the test has seen what it needs');
  });

  it('fails the case with AGENCY.UNAVAILABLE when the step names no fallback role', async () => {
    const h = await harness({ agenciesDown: ['public-security'] });
    const definition = agencyDownDefinition();
    const noFallback = {
      ...definition,
      steps: definition.steps.map((step) =>
        'run' in step && step.run
          ? { ...step, run: { agency: step.run.agency, activity: step.run.activity, pickupWithin: { seconds: 1 } } }
          : step,
      ),
    } as ServiceDefinition;
    const handle = await h.start(caseId('agency-down-fails'), h.own(noFallback), socialBenefitApplication);
    expect(await handle.result()).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('did not pick up verifyIdentity within 1 s') as unknown,
    });
    expect(h.calls.events.map((e) => e.kind)).toContain('agencyUnavailable');
  });
});

describe('compensation', () => {
  it('undoes the completed steps that name a compensation, last completed first, when the applicant withdraws', async () => {
    const scenario = CASE_SCENARIOS.find((s) => s.name === 'social-benefit-compensated')!;
    const h = await harness(scenario.harness);
    const handle = await scenario.run(h, caseId('compensated'));
    expect(await handle.result()).toMatchObject({ status: 'withdrawn' });
    expect(h.calls.agencyRuns.map((r) => r.activity)).toEqual([
      'verifyIdentity',
      'cancelIncomeRecord',
      'revokeVerification',
    ]);
    const compensated = h.calls.events
      .filter((e) => e.kind === 'stepCompensated')
      .map((e) => [e.data.stepId, e.data.outcome]);
    expect(compensated).toEqual([
      ['income-verification', 'done'],
      ['verify-identity', 'done'],
    ]);
    const state = await handle.query(caseStateQuery);
    expect(state.steps['verify-identity']?.compensation).toBe('done');
  });

  it('records a compensation the agency refuses, with its reason, and still runs the others', async () => {
    const h = await harness({ partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] } });
    const handle = await h.start(
      caseId('refund-refused'),
      h.own(compensatedDefinition({ refusedRefund: true })),
      socialBenefitApplication,
    );
    await h.answer(handle, 'income-verification', { confirmed: true, verifiedMonthlyNet: 1500 });
    await h.untilStep(handle, 'home-visit', 'awaiting-partner');
    await handle.executeUpdate(withdrawCase, { args: [{ withdrawnBy: 'citizen-1', reason: 'I found work' }] });
    expect(await handle.result()).toMatchObject({ status: 'withdrawn' });
    expect(h.calls.events.filter((e) => e.kind === 'stepCompensated').map((e) => e.data)).toEqual([
      expect.objectContaining({ stepId: 'income-verification', activity: 'cancelIncomeRecord', outcome: 'done' }),
      expect.objectContaining({
        stepId: 'verify-identity',
        activity: 'refundFee',
        outcome: 'failed',
        reason: 'the treasury refused: the account is closed',
      }),
    ]);
  });
});

describe('claims on officer tasks', () => {
  it('one officer holds a claimed task: others can neither claim nor decide it, and an older screen cannot act', async () => {
    const h = await harness({ partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] } });
    const handle = await h.start(
      caseId('claims'),
      h.own(exampleDefinition('social-benefit.yaml')),
      socialBenefitApplication,
    );
    await h.answer(handle, 'income-verification', { confirmed: true, verifiedMonthlyNet: 1500 });
    await h.answer(handle, 'home-visit', { visitedOn: '2026-11-20', needConfirmed: true });
    const opened = (await h.untilStep(handle, 'home-visit', 'awaiting-review')).steps['home-visit']!.taskVersion!;
    const held = await h.claim(handle, 'home-visit', 'officer-a', { version: opened });
    expect(held).toEqual({ version: opened + 1, claimedBy: 'officer-a' });
    expect((await handle.query(caseStateQuery)).steps['home-visit']).toMatchObject({
      claimedBy: 'officer-a',
      taskVersion: opened + 1,
    });
    // Claiming again what one holds changes nothing.
    expect(await h.claim(handle, 'home-visit', 'officer-a')).toEqual(held);
    expect(await refusal(h.claim(handle, 'home-visit', 'officer-b'))).toBe('CASE.TASK_CLAIMED');
    expect(await refusal(h.claim(handle, 'home-visit', 'officer-b', { action: 'release' }))).toBe(
      'CASE.NOT_YOUR_CLAIM',
    );
    expect(await refusal(h.decide(handle, 'home-visit', 'approve', { officerId: 'officer-b' }))).toBe(
      'CASE.TASK_CLAIMED',
    );
    // The screen officer-a opened before claiming shows the older version.
    expect(await refusal(h.decide(handle, 'home-visit', 'approve', { officerId: 'officer-a', version: opened }))).toBe(
      'CASE.TASK_CHANGED',
    );
    await h.decide(handle, 'home-visit', 'request-rework', {
      officerId: 'officer-a',
      version: held.version,
      reasons: ['the household size is not recorded'],
    });
    // The new review sets the new work beside the one sent back, and starts unclaimed at a newer version.
    await h.until(handle, 'attempt 2 of home-visit', (s) => s.steps['home-visit']?.attempt === 2);
    await h.answer(handle, 'home-visit', { visitedOn: '2026-11-21', needConfirmed: true, notes: 'three people' });
    const again = (await h.untilStep(handle, 'home-visit', 'awaiting-review')).steps['home-visit']!;
    expect(again.claimedBy).toBeUndefined();
    expect(again.taskVersion).toBeGreaterThan(held.version);
    expect(again.previousAttempt).toEqual({
      attempt: 1,
      output: { visitedOn: '2026-11-20', needConfirmed: true },
      reasons: ['the household size is not recorded'],
    });
    // The claimant gives it back; then anyone in the role may take it.
    const b = await h.claim(handle, 'home-visit', 'officer-b');
    expect(await h.claim(handle, 'home-visit', 'officer-b', { action: 'release' })).toEqual({
      version: b.version + 1,
      claimedBy: null,
    });
    await h.decide(handle, 'home-visit', 'approve', { officerId: 'officer-c', version: b.version + 1 });
    await h.decide(handle, 'decision', 'approve');
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'approved' });
  });

  it("an escalation takes the task from whoever had claimed it: the supervisor's task is a new version", async () => {
    const h = await harness({ dueInMs: 1_500 });
    const definition = {
      ...exampleDefinition('business-licence.yaml'),
      steps: [{ id: 'decision', officer: { role: 'licensing-officer', deadline: { workingDays: 3 } } }],
    } as ServiceDefinition;
    const handle = await h.start(caseId('claimed-escalated'), definition, businessLicenceApplication);
    await h.untilStep(handle, 'decision', 'awaiting-officer');
    const held = await h.claim(handle, 'decision', 'officer-a');
    const escalated = await h.until(handle, 'the supervisor', (s) => s.steps.decision?.escalatedFrom !== undefined);
    expect(escalated.steps.decision).toMatchObject({ role: 'licensing-supervisor' });
    expect(escalated.steps.decision!.claimedBy).toBeUndefined();
    expect(escalated.steps.decision!.taskVersion).toBe(held.version + 1);
    expect(
      await refusal(
        handle.executeUpdate(claimOfficerTask, {
          args: [
            {
              stepId: 'decision',
              officerId: 'head-1',
              role: 'licensing-supervisor',
              action: 'claim',
              version: held.version,
            },
          ],
        }),
      ),
    ).toBe('CASE.TASK_CHANGED');
    await h.decide(handle, 'decision', 'approve', { officerId: 'head-1', version: held.version + 1 });
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'approved' });
  });
});

describe('what each Update refuses', () => {
  let h: CaseHarness;
  let handle: WorkflowHandle;

  beforeAll(async () => {
    h = await harness({ partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] } });
    handle = await h.start(
      caseId('refusals'),
      h.own(exampleDefinition('social-benefit.yaml')),
      socialBenefitApplication,
    );
    await h.untilStep(handle, 'income-verification', 'awaiting-partner');
  });

  const result = (over: Partial<{ partnerId: string; taskId: string; attempt: number; output: unknown }>) => ({
    partnerId: over.partnerId ?? 'checks-a',
    result: {
      taskId: over.taskId ?? `${handle.workflowId}:income-verification`,
      attempt: over.attempt ?? 1,
      outcome: 'completed' as const,
      output: (over.output ?? { confirmed: true, verifiedMonthlyNet: 1500 }) as Record<string, unknown>,
    },
  });

  it('a result: for a task the case does not have, a partner or attempt it did not assign, an invalid output', async () => {
    const submit = (r: ReturnType<typeof result>) => refusal(handle.executeUpdate(submitTaskResult, { args: [r] }));
    expect(await submit(result({ taskId: `${handle.workflowId}:no-such-step` }))).toBe('TASK.UNKNOWN');
    expect(await submit(result({ partnerId: 'checks-b' }))).toBe('TASK.NOT_ASSIGNED');
    expect(await submit(result({ attempt: 2 }))).toBe('TASK.NOT_ASSIGNED');
    expect(await submit(result({ output: { confirmed: 'yes' } }))).toBe('CONTRACT.INVALID_OUTPUT');
  });

  it('a decision: when no officer is asked, in the wrong role, of a kind the task does not allow', async () => {
    const decide = (stepId: string, role: string, decision: 'approve' | 'request-rework') =>
      refusal(handle.executeUpdate(decideOfficerTask, { args: [{ stepId, officerId: 'officer-1', role, decision }] }));
    expect(await decide('decision', 'benefits-officer', 'approve')).toBe('CASE.NOT_AWAITING_DECISION');
    await h.answer(handle, 'income-verification', { confirmed: true, verifiedMonthlyNet: 1500 });
    await h.answer(handle, 'home-visit', { visitedOn: '2026-11-20', needConfirmed: true });
    await h.untilStep(handle, 'home-visit', 'awaiting-review');
    expect(await decide('home-visit', 'social-worker', 'approve')).toBe('CASE.WRONG_ROLE');
    await h.decide(handle, 'home-visit', 'approve');
    await h.untilStep(handle, 'decision', 'awaiting-officer');
    expect(await decide('decision', 'benefits-officer', 'request-rework')).toBe('CASE.DECISION_NOT_ALLOWED');
  });

  it('citizen input: when none is asked, incomplete, or invalid by the application schema', async () => {
    const provide = (values: Record<string, unknown>) =>
      refusal(handle.executeUpdate(provideCitizenInput, { args: [{ stepId: 'decision', values }] }));
    expect(await provide({ 'income.monthlyNet': 1 })).toBe('CASE.NOT_AWAITING_INPUT');
    await h.decide(handle, 'decision', 'request-information', { output: { fields: ['income.monthlyNet'] } });
    await h.untilStep(handle, 'decision', 'awaiting-citizen');
    expect(await provide({})).toBe('CASE.INPUT_INCOMPLETE');
    expect(await provide({ 'income.monthlyNet': -5 })).toBe('CASE.INPUT_INVALID');
    await h.provide(handle, 'decision', { 'income.monthlyNet': 1700 });
    await h.decide(handle, 'decision', 'approve');
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'approved' });
  });

  it('a revocation: with no partner task open, or of a partner the task is not with', async () => {
    const h2 = await harness({ partners: { 'background-check@1': ['checks-a'] } });
    const licence = await h2.start(
      caseId('revocations'),
      h2.own(exampleDefinition('business-licence.yaml')),
      businessLicenceApplication,
    );
    const revoke = (stepId: string, partnerId?: string) =>
      refusal(
        licence.executeUpdate(revokePartnerTask, {
          args: [{ stepId, revokedBy: 'officer-1', reason: 'test', ...(partnerId ? { partnerId } : {}) }],
        }),
      );
    await h2.untilStep(licence, 'background-check', 'awaiting-partner');
    expect(await revoke('site-inspection')).toBe('CASE.NO_OPEN_PARTNER_TASK');
    expect(await revoke('background-check', 'checks-z')).toBe('CASE.NOT_WITH_PARTNER');
    await h2.revoke(licence, 'background-check', 'the officer takes it back');
    // The late answer to the revoked attempt is refused as such, not as an unknown task.
    const late = await refusal(
      licence.executeUpdate(submitTaskResult, {
        args: [
          {
            partnerId: 'checks-a',
            result: {
              taskId: `${licence.workflowId}:background-check`,
              attempt: 1,
              outcome: 'completed',
              output: { clear: true, findings: [] },
            },
          },
        ],
      }),
    );
    expect(late).toBe('TASK.REVOKED');
    await licence.terminate('test over');
  });
});
