import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition, TaskStep } from '@govmesh/contracts/service-definition';
import type { TaskAssignedData, TaskRejectionData } from '@govmesh/contracts/task-messages';
import { createPartner, type Partner } from '@govmesh/partner-sdk';
import { CaseClient, takeBackPartnerTasks } from '@govmesh/case-client';
import {
  VISIBILITY_VERSION,
  caseStateQuery,
  decideOfficerTask,
  provideCitizenInput,
} from '@govmesh/workflows/case-api';
import { serviceCase } from '@govmesh/workflows/service-case';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Inbox } from './inbox.js';
import { startLedger, untilLedgered, type TestLedger } from './ledger.js';
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

const terms = { deadline: { hours: 48 }, capacity: 50 };
const checks = (id: string): PartnerProfile => ({
  id,
  name: id,
  capabilities: ['background-check@1'],
  terms: { 'background-check@1': terms },
  status: 'active',
});
const { profiles, id, suffix } = runScoped([
  checks('aloof'),
  checks('backup'),
  checks('failing'),
  checks('holder'),
  checks('stand-in'),
  {
    id: 'inspect-co',
    name: 'Inspect Co',
    capabilities: ['site-inspection@1'],
    terms: { 'site-inspection@1': terms },
    status: 'active',
  },
]);
const application = {
  applicant: { name: 'Mary Somerville', dateOfBirth: '1980-12-26', nationalId: 'NID-3', email: 'mary@example.org' },
  business: { name: 'Harbour Bakery', address: '1 Quay Street', activity: 'bakery', registrationNumber: 'ENT-1001' },
};
const SHARE = ['applicant.name', 'applicant.dateOfBirth'];
const backgroundCheck = (
  only: string[],
  extra: Partial<TaskStep> = {},
  fallback: NonNullable<TaskStep['partners']>['fallback'] = { fail: true },
): TaskStep => ({
  ...outsourcedStep('background-check', 'background-check@1', SHARE, {
    only: only.map(id),
    maxReassignments: only.length - 1,
    fallback,
  }),
  deadline: { seconds: 3 },
  ...extra,
});

/** Temporal's visibility follows a case by moments: waits (up to 10 s) until `holds`. */
async function untilTrue(holds: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`waited 10 s for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the government stays in control', () => {
  let platform: TestPlatform;
  let ledger: TestLedger;
  const partners: Partner[] = [];
  const partnerNamed = new Map<string, Partner>();
  const tasks = new Inbox<TaskAssignedData & { partner: string }>();
  const revocations = new Inbox<TaskRejectionData & { partner: string }>();
  const rejections = new Inbox<TaskRejectionData & { partner: string }>();
  /** Each partner answers as the test says; undefined = stays silent until revoked. */
  const answer: Record<string, ((task: TaskAssignedData) => Promise<Record<string, unknown>>) | undefined> = {
    backup: () => Promise.resolve({ clear: true, findings: [] }),
    'stand-in': () => Promise.resolve({ clear: true, findings: [] }),
    failing: () => Promise.reject(new Error('our registry access expired')),
  };

  beforeAll(async () => {
    platform = await startPlatform(profiles, suffix);
    ledger = await startLedger(platform.kafka, suffix);
    for (const profile of profiles) {
      const base = profile.id.slice(0, -suffix.length - 1);
      const handler = async (
        _input: Record<string, unknown>,
        { task, signal }: { task: TaskAssignedData; signal: AbortSignal },
      ) => {
        tasks.push({ ...task, partner: base });
        const respond = answer[base];
        if (respond) return await respond(task);
        return await new Promise<Record<string, unknown>>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('revoked')), { once: true }),
        );
      };
      const partner = createPartner({
        partnerId: profile.id,
        kafka: platform.kafka,
        logger,
        handlers: Object.fromEntries(profile.capabilities.map((c) => [c, handler])),
        onRevocation: (r) => revocations.push({ ...r, partner: base }),
        onRejection: (r) => rejections.push({ ...r, partner: base }),
      });
      partners.push(partner);
      partnerNamed.set(base, partner);
    }
    await Promise.all(partners.map((p) => p.start()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(partners.map((p) => p.stop()));
    await ledger?.stop();
    await platform?.stop();
  });

  function start(caseId: string, definition: ServiceDefinition) {
    return platform.client.workflow.start(serviceCase, {
      taskQueue: platform.taskQueue,
      workflowId: caseId,
      args: [{ caseId, definition, application }],
    });
  }

  it('takes the task from a silent partner at its deadline, gives it to the next with attempt 2, and rejects the late answer as TASK.REVOKED', async () => {
    const caseId = `control-${suffix}-silent`;
    // backup holds its answer until the late one was refused, so the case is still open for it.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    answer.backup = async (task) => {
      if (task.caseId === caseId) await released;
      return { clear: true, findings: [] };
    };
    // Six seconds each: the backup holds its answer until the late one has gone round the bridge
    // and back (seen taking 3 s on a loaded 2-core CI machine), and must still be in time.
    const handle = await start(
      caseId,
      serviceWith('control-silent', [backgroundCheck(['aloof', 'backup'], { deadline: { seconds: 6 } })]),
    );
    const first = await tasks.next((t) => t.caseId === caseId && t.partner === 'aloof');
    expect(first.attempt).toBe(1);
    const revoked = await revocations.next((r) => r.taskId === first.taskId && r.partner === 'aloof', 15_000);
    expect(revoked).toMatchObject({ code: 'TASK.DEADLINE_PASSED', attempt: 1 });
    const second = await tasks.next((t) => t.caseId === caseId && t.partner === 'backup');
    expect(second.attempt).toBe(2);

    const aloof = partnerNamed.get('aloof')!;
    await aloof.publishResult({
      taskId: first.taskId,
      attempt: 1,
      outcome: 'completed',
      output: { clear: true, findings: [] },
    });
    const late = await rejections.next((r) => r.taskId === first.taskId && r.partner === 'aloof');
    expect(late).toMatchObject({ code: 'TASK.REVOKED', attempt: 1 });
    release();
    expect(await handle.result()).toMatchObject({ status: 'completed' });
    expect((await handle.query(caseStateQuery)).steps['background-check']).toMatchObject({
      partnerId: id('backup'),
      attempt: 2,
    });
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.resultRejected.type);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([DOMAIN_EVENTS.deadlineBreached.type, DOMAIN_EVENTS.taskReassigned.type]),
    );
  });

  it('falls back to an officer when every partner fails or stays silent; the case completes when the officer decides', async () => {
    const caseId = `control-${suffix}-fallback`;
    const handle = await start(
      caseId,
      serviceWith('control-fallback', [backgroundCheck(['aloof', 'failing'], {}, { role: 'licensing-officer' })]),
    );
    const state = await untilStep(handle, 'background-check', 'awaiting-officer', 30_000);
    expect(state.steps['background-check']).toMatchObject({ mode: 'in-house', role: 'licensing-officer' });
    // The officer has a deadline too: the case never waits without one.
    expect(Date.parse(state.steps['background-check']!.deadline!)).toBeGreaterThan(Date.now());
    await handle.executeUpdate(decideOfficerTask, {
      args: [
        {
          stepId: 'background-check',
          officerId: 'officer-lin',
          role: 'licensing-officer',
          decision: 'approve',
          output: { clear: true, findings: [] },
        },
      ],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed' });
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.caseCompleted.type);
    expect(events.filter((e) => e.type === DOMAIN_EVENTS.fellBackInHouse.type)).toHaveLength(1);
  });

  it('sends a controlled inspection back with reasons, and proceeds on the corrected report the officer approves', async () => {
    const caseId = `control-${suffix}-review`;
    answer['inspect-co'] = (task) =>
      Promise.resolve(
        task.rework
          ? { passed: true, inspectedOn: '2026-11-23', defects: [] }
          : { passed: true, inspectedOn: '2026-11-23', defects: ['fire exit sign missing'] },
      );
    const definition = serviceWith('control-review', [
      {
        id: 'site-inspection',
        task: 'site-inspection@1',
        classification: { core: true, critical: false },
        deadline: { minutes: 5 },
        share: ['business.address'],
        review: { role: 'licensing-officer', maxReworks: 1 },
        partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true }, only: [id('inspect-co')] },
      },
    ]);
    const handle = await start(caseId, definition);
    await untilStep(handle, 'site-inspection', 'awaiting-review');
    const reasons = ['the report lists a missing fire exit sign: re-inspect after it is fitted'];
    await handle.executeUpdate(decideOfficerTask, {
      args: [
        {
          stepId: 'site-inspection',
          officerId: 'officer-ada',
          role: 'licensing-officer',
          decision: 'request-rework',
          reasons,
        },
      ],
    });
    const rework = await tasks.next((t) => t.caseId === caseId && t.attempt === 2);
    expect(rework.rework).toEqual({ previousAttempt: 1, reasons });
    const state = await untilStep(handle, 'site-inspection', 'awaiting-review');
    expect(state.steps['site-inspection']).toMatchObject({ attempt: 2, output: { defects: [] } });
    await handle.executeUpdate(decideOfficerTask, {
      args: [{ stepId: 'site-inspection', officerId: 'officer-ada', role: 'licensing-officer', decision: 'approve' }],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed' });

    const records = await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.caseCompleted.type);
    const accepted = records.filter((r) => r.type === DOMAIN_EVENTS.resultAccepted.type);
    const reviews = records.filter((r) => r.type === DOMAIN_EVENTS.reviewDecided.type);
    // Each decision is bound to the digest of the exact report it judged, with reviewer and time.
    expect(reviews.map((r) => [r.facts.decision, r.actor.id, r.facts.attempt, r.facts.resultDigest])).toEqual([
      ['request-rework', 'officer-ada', 1, accepted[0]!.facts.outputDigest],
      ['approve', 'officer-ada', 2, accepted[1]!.facts.outputDigest],
    ]);
    expect(accepted[0]!.facts.outputDigest).not.toEqual(accepted[1]!.facts.outputDigest);
    expect(reviews.every((r) => !Number.isNaN(Date.parse(r.time)))).toBe(true);
    expect(JSON.stringify(reviews)).not.toContain('fire exit'); // the reasons are digested, not stored
  });

  it('puts only the named registry fields into the case, and records the lookup with its purpose and the request hash', async () => {
    const caseId = `control-${suffix}-lookup`;
    // Social security's look-up, for the purpose the enterprise registry's policy shares name and status for.
    const purpose = 'Confirm that the declared employer exists and is active';
    const handle = await start(caseId, {
      ...serviceWith('control-lookup', [
        {
          id: 'registry-check',
          lookup: {
            agency: 'market-regulation',
            registry: 'enterprise-registry',
            key: 'business.registrationNumber',
            purpose,
            fields: ['name', 'status'],
          },
        },
      ]),
      ownerAgency: 'social-security',
    });
    expect(await handle.result()).toMatchObject({ status: 'completed' });
    const state = await handle.query(caseStateQuery);
    expect(state.steps['registry-check']?.output).toEqual({
      found: true,
      name: 'Harbour Bakery Ltd',
      status: 'active',
    });
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.caseCompleted.type);
    const lookup = events.find((e) => e.type === DOMAIN_EVENTS.lookupPerformed.type)!;
    expect(lookup.data).toMatchObject({
      agency: 'market-regulation',
      registry: 'enterprise-registry',
      purpose,
      fields: ['name', 'status'],
      found: true,
      requestHash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    });
    expect(JSON.stringify(lookup)).not.toMatch(/Harbour|Quay|Baker|VAT/);
  });

  it('moves the open tasks of a suspended partner to another partner, and gives it no new ones', async () => {
    const caseId = `control-${suffix}-suspend`;
    const definition = serviceWith('control-suspend', [
      backgroundCheck(['holder', 'stand-in'], { deadline: { hours: 1 } }),
    ]);
    const handle = await start(caseId, definition);
    const held = await tasks.next((t) => t.caseId === caseId && t.partner === 'holder');
    await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.taskDispatched.type);
    // The case shows who holds its task in Temporal's visibility: one query finds it.
    const cases = new CaseClient(platform.client, { taskQueue: platform.taskQueue });
    const holding = async (partner: string) => (await cases.casesHoldingPartnerTasks(id(partner))).includes(caseId);
    // A case not yet indexed answers every such query (so a suspension never misses one): wait
    // until its first upsert is visible, then only the holder's query finds it.
    const indexed = async () => {
      for await (const _ of platform.client.workflow.list({
        query: `WorkflowId = "${caseId}" AND ${VISIBILITY_VERSION.name} IS NOT NULL`,
      }))
        return true;
      return false;
    };
    await untilTrue(async () => (await indexed()) && (await holding('holder')), 'visibility to show the holder');
    expect(await holding('stand-in')).toBe(false);

    // Out of selection first (the worker follows the registry topic), then its tasks taken back.
    platform.directory.setStatus(id('holder'), 'suspended');
    const outcome = await takeBackPartnerTasks(cases, id('holder'), 'contract suspended pending an investigation');
    expect(outcome.moved).toEqual([held.taskId]);
    expect(await revocations.next((r) => r.taskId === held.taskId && r.partner === 'holder')).toMatchObject({
      code: 'PARTNER.SUSPENDED',
      reasons: ['contract suspended pending an investigation'],
    });
    expect((await tasks.next((t) => t.caseId === caseId && t.partner === 'stand-in')).attempt).toBe(2);
    // The stand-in may answer at once and the case end, so only the holder's absence is certain.
    await untilTrue(async () => !(await holding('holder')), 'visibility to stop naming the suspended holder');
    expect(await handle.result()).toMatchObject({ status: 'completed' });

    const next = `control-${suffix}-after-suspension`;
    expect(await (await start(next, definition)).result()).toMatchObject({ status: 'completed' });
    expect(tasks.items.filter((t) => t.caseId === next).map((t) => t.partner)).toEqual(['stand-in']);
  });

  it('escalates an overdue officer task to the supervisor role, which then decides', async () => {
    const caseId = `control-${suffix}-escalate`;
    const handle = await start(
      caseId,
      serviceWith('control-escalate', [
        {
          id: 'decision',
          classification: { core: true, critical: true },
          officer: { role: 'licensing-officer', deadline: { seconds: 2 }, escalateTo: 'head-of-licensing' },
          share: [],
        },
      ]),
    );
    const deadline = Date.now() + 20_000;
    let state = await handle.query(caseStateQuery);
    while (state.steps.decision?.role !== 'head-of-licensing' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      state = await handle.query(caseStateQuery);
    }
    expect(state.steps.decision).toMatchObject({
      status: 'awaiting-officer',
      role: 'head-of-licensing',
      escalatedFrom: 'licensing-officer',
    });
    // The inbox finds it with one visibility query on the role it waits for, and only there.
    const cases = new CaseClient(platform.client, { taskQueue: platform.taskQueue });
    await untilTrue(
      async () => (await cases.casesAwaitingRoles(['head-of-licensing'])).includes(caseId),
      'visibility to show the case waiting for head-of-licensing',
    );
    expect(await cases.casesAwaitingRoles(['licensing-officer', 'inspector'])).not.toContain(caseId);
    // And lists the task from the case's memo (sealed, opened by the client's keys): the new role and
    // the moved deadline, without asking the case.
    await untilTrue(
      async () =>
        (await cases.officerInbox(['head-of-licensing'])).find((c) => c.caseId === caseId)?.tasks?.[0]?.role ===
        'head-of-licensing',
      "the case's memo to list the escalated task",
    );
    const listed = (await cases.officerInbox(['head-of-licensing'])).find((c) => c.caseId === caseId);
    expect(listed?.tasks).toEqual([
      {
        stepId: 'decision',
        kind: 'officer',
        role: 'head-of-licensing',
        deadline: state.steps.decision!.deadline,
        // The escalation moved the task's version on: a screen opened before it cannot act.
        version: state.steps.decision!.taskVersion,
      },
    ]);
    expect(state.steps.decision!.taskVersion).toBe(2);
    const late = await handle
      .executeUpdate(decideOfficerTask, {
        args: [{ stepId: 'decision', officerId: 'o-1', role: 'licensing-officer', decision: 'approve' }],
      })
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(decideOfficerTask, {
      args: [{ stepId: 'decision', officerId: 'head-1', role: 'head-of-licensing', decision: 'approve' }],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed', decision: 'approved' });
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.caseCompleted.type);
    expect(events.find((e) => e.type === DOMAIN_EVENTS.officerTaskEscalated.type)?.data).toMatchObject({
      fromRole: 'licensing-officer',
      toRole: 'head-of-licensing',
    });
  });

  it('reminds a citizen who does not answer, then withdraws the case as the definition says', async () => {
    const caseId = `control-${suffix}-withdraw`;
    const handle = await start(
      caseId,
      serviceWith('control-withdraw', [
        {
          id: 'opening-hours',
          citizenInput: {
            fields: ['business.openingHours'],
            prompt: 'When will the bakery be open?',
            deadline: { seconds: 2 },
            reminders: 1,
            onExpiry: 'withdraw',
          },
        },
      ]),
    );
    expect(await handle.result()).toMatchObject({
      status: 'withdrawn',
      reason: expect.stringMatching(/business\.openingHours/) as unknown,
    });
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.caseWithdrawn.type);
    expect(events.map((e) => e.type).filter((t) => t.includes('citizen-input') || t.includes('withdrawn'))).toEqual([
      DOMAIN_EVENTS.citizenInputRequested.type,
      DOMAIN_EVENTS.citizenInputReminded.type,
      DOMAIN_EVENTS.caseWithdrawn.type,
    ]);
  });

  it('refuses citizen input that breaks the application schema, naming the field, and takes a valid answer', async () => {
    const caseId = `control-${suffix}-input`;
    const handle = await start(
      caseId,
      serviceWith('control-input', [
        {
          id: 'registration',
          citizenInput: {
            fields: ['business.registrationNumber'],
            prompt: 'Your company registration number, please',
            deadline: { minutes: 5 },
            reminders: 0,
            onExpiry: 'withdraw',
          },
        },
      ]),
    );
    await untilStep(handle, 'registration', 'awaiting-citizen');
    const refused = await handle
      .executeUpdate(provideCitizenInput, {
        args: [{ stepId: 'registration', values: { 'business.registrationNumber': 1001 } }],
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toMatch(
      /^business\.registrationNumber: must be string$/,
    );
    await handle.executeUpdate(provideCitizenInput, {
      args: [{ stepId: 'registration', values: { 'business.registrationNumber': 'ENT-1001' } }],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed' });
  });
});
