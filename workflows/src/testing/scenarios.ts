import { readFileSync } from 'node:fs';

import type { ServiceDefinition, Step } from '@govmesh/contracts/service-definition';
import { validateServiceDefinition } from '@govmesh/contracts/validate-service-definition';
import type { WorkflowHandle } from '@temporalio/client';
import { parse } from 'yaml';

import { withdrawCase } from '../case-api.js';
import type { CaseHarness, CaseHarnessOptions } from './case-harness.js';

/** A service definition from examples/, validated as an agency would publish it. */
export function exampleDefinition(file: string): ServiceDefinition {
  const report = validateServiceDefinition(
    parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8')),
  );
  if (!report.definition) throw new Error(`${file}: ${JSON.stringify(report.problems)}`);
  return report.definition;
}

export const socialBenefitApplication = {
  applicant: { name: 'Li Wei', dateOfBirth: '1980-02-29', nationalId: 'NID-7', address: '5 Canal Road' },
  household: { size: 3 },
  income: { monthlyNet: 1500, employerRegistrationNumber: 'ENT-1001' },
  bankAccount: { iban: 'DE89370400440532013000' },
};

export const businessLicenceApplication = {
  applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10', nationalId: 'NID-1', email: 'ada@example.org' },
  business: { name: 'Harbour Bakery', address: '1 Quay Street', activity: 'bakery' },
};

/**
 * A case driven from start to end through every kind of step the workflow knows. The recorder
 * runs these on the workflow code of each release that changed its commands and commits the
 * histories; `recorded-histories.test.ts` replays them all on the current code.
 */
export interface CaseScenario {
  readonly name: string;
  /** How the case ends: completed unless the scenario says otherwise. */
  readonly ends?: 'withdrawn';
  readonly harness: Pick<
    CaseHarnessOptions,
    'partners' | 'partnerDeadlineMs' | 'dueInMs' | 'agenciesDown' | 'statutoryMs'
  >;
  run(h: CaseHarness, caseId: string): Promise<WorkflowHandle>;
}

export const CASE_SCENARIOS: readonly CaseScenario[] = [
  {
    // Agency activities, a look-up beside a partner step, a condition that asks the citizen, a
    // controlled step sent back for rework once, and an officer's approval.
    name: 'social-benefit-with-rework',
    harness: { partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] } },
    async run(h, caseId) {
      const handle = await h.start(caseId, h.own(exampleDefinition('social-benefit.yaml')), socialBenefitApplication);
      await h.answer(handle, 'income-verification', { confirmed: false, verifiedMonthlyNet: 0 });
      await h.provide(handle, 'income-evidence', { 'income.monthlyNet': 1830 });
      await h.answer(handle, 'home-visit', { visitedOn: '2026-11-20', needConfirmed: true });
      await h.untilStep(handle, 'home-visit', 'awaiting-review');
      await h.decide(handle, 'home-visit', 'request-rework', { reasons: ['the household size is not recorded'] });
      await h.until(handle, 'attempt 2 of home-visit', (s) => s.steps['home-visit']?.attempt === 2);
      await h.answer(handle, 'home-visit', { visitedOn: '2026-11-21', needConfirmed: true, notes: 'three people' });
      await h.untilStep(handle, 'home-visit', 'awaiting-review');
      await h.decide(handle, 'home-visit', 'approve');
      await h.decide(handle, 'decision', 'approve');
      await handle.result();
      return handle;
    },
  },
  {
    // Officers claim the review of a controlled step: the one who claimed it sends it back for
    // rework, another claims the new review, gives it back, and the first approves at the version
    // their claim returned; the officer decision is claimed and approved the same way.
    name: 'social-benefit-claimed-review',
    harness: { partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] } },
    async run(h, caseId) {
      const handle = await h.start(caseId, h.own(exampleDefinition('social-benefit.yaml')), socialBenefitApplication);
      await h.answer(handle, 'income-verification', { confirmed: true, verifiedMonthlyNet: 1500 });
      await h.answer(handle, 'home-visit', { visitedOn: '2026-11-20', needConfirmed: true });
      await h.untilStep(handle, 'home-visit', 'awaiting-review');
      const first = await h.claim(handle, 'home-visit', 'officer-1');
      await h.decide(handle, 'home-visit', 'request-rework', {
        reasons: ['the household size is not recorded'],
        version: first.version,
      });
      await h.until(handle, 'attempt 2 of home-visit', (s) => s.steps['home-visit']?.attempt === 2);
      await h.answer(handle, 'home-visit', { visitedOn: '2026-11-21', needConfirmed: true, notes: 'three people' });
      await h.untilStep(handle, 'home-visit', 'awaiting-review');
      const other = await h.claim(handle, 'home-visit', 'officer-2');
      await h.claim(handle, 'home-visit', 'officer-2', { action: 'release', version: other.version });
      const again = await h.claim(handle, 'home-visit', 'officer-1');
      await h.decide(handle, 'home-visit', 'approve', { version: again.version });
      const decision = await h.claim(handle, 'decision', 'officer-1');
      await h.decide(handle, 'decision', 'approve', { version: decision.version });
      await handle.result();
      return handle;
    },
  },
  {
    // The agency that verifies identities has no worker running: the step waits its pickup limit,
    // records agency.unavailable and goes to the fallback role, whose officer does the check.
    name: 'social-benefit-agency-down',
    harness: {
      partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] },
      agenciesDown: ['public-security'],
    },
    async run(h, caseId) {
      const handle = await h.start(caseId, h.own(agencyDownDefinition()), socialBenefitApplication);
      await h.untilStep(handle, 'verify-identity', 'awaiting-officer', 15_000);
      await h.decide(handle, 'verify-identity', 'approve', { output: { verified: true } });
      await h.answer(handle, 'income-verification', { confirmed: true, verifiedMonthlyNet: 1500 });
      await h.answer(handle, 'home-visit', { visitedOn: '2026-11-20', needConfirmed: true });
      await h.decide(handle, 'home-visit', 'approve');
      await h.decide(handle, 'decision', 'approve');
      await handle.result();
      return handle;
    },
  },
  {
    // A partner that fails and one whose task an officer takes back: both reassigned; the officer
    // asks the citizen for more before approving; the certificate goes out.
    name: 'business-licence-reassigned',
    harness: {
      partners: {
        'background-check@1': ['checks-a', 'checks-b'],
        'site-inspection@1': ['inspect-a', 'inspect-b'],
        'certificate-delivery@1': ['couriers-a'],
      },
    },
    async run(h, caseId) {
      const handle = await h.start(
        caseId,
        h.own(exampleDefinition('business-licence.yaml')),
        businessLicenceApplication,
      );
      await h.fail(handle, 'background-check', 'the registry could not be reached');
      await h.until(handle, 'the second partner', (s) => s.steps['background-check']?.partnerId === 'checks-b');
      await h.answer(handle, 'background-check', { clear: true, findings: [] });
      await h.untilStep(handle, 'site-inspection', 'awaiting-partner');
      await h.revoke(handle, 'site-inspection', 'the inspector is on leave');
      await h.until(handle, 'the second inspector', (s) => s.steps['site-inspection']?.partnerId === 'inspect-b');
      await h.answer(handle, 'site-inspection', { passed: true, inspectedOn: '2026-11-20', defects: [] });
      await h.untilStep(handle, 'site-inspection', 'awaiting-review');
      await h.decide(handle, 'site-inspection', 'approve');
      await h.decide(handle, 'decision', 'request-information', {
        output: { fields: ['business.registrationNumber'] },
      });
      await h.provide(handle, 'decision', { 'business.registrationNumber': 'ENT-1001' });
      await h.untilStep(handle, 'decision', 'awaiting-officer');
      await h.decide(handle, 'decision', 'approve');
      await h.answer(handle, 'deliver-certificate', { trackingNumber: 'TRK-1', deliveredOn: '2026-11-22' });
      await handle.result();
      return handle;
    },
  },
  {
    // Deadlines: each partner lets its deadline pass, the step falls back to an officer, whose
    // deadline passes too and escalates it to the supervisor, who rejects.
    name: 'business-licence-deadlines',
    harness: { partners: { 'background-check@1': ['slow-a', 'slow-b'] }, partnerDeadlineMs: 1000, dueInMs: 1500 },
    async run(h, caseId) {
      const handle = await h.start(
        caseId,
        h.own(exampleDefinition('business-licence.yaml')),
        businessLicenceApplication,
      );
      await h.until(handle, 'the supervisor', (s) => s.steps['background-check']?.escalatedFrom !== undefined);
      await h.decide(handle, 'background-check', 'reject', { reasons: ['no check could be made in time'] });
      await h.untilStep(handle, 'site-inspection', 'awaiting-officer');
      await h.decide(handle, 'site-inspection', 'reject');
      await h.decide(handle, 'decision', 'reject');
      await handle.result();
      return handle;
    },
  },
  {
    // Nobody decides: the officer's deadline passes, the task goes to the supervisor, whose
    // deadline passes several times over before the supervisor approves.
    name: 'business-licence-overdue-officer',
    harness: { dueInMs: 300 },
    async run(h, caseId) {
      const definition = {
        ...exampleDefinition('business-licence.yaml'),
        steps: [{ id: 'decision', officer: { role: 'licensing-officer', deadline: { workingDays: 3 } } }],
      } as ServiceDefinition;
      const handle = await h.start(caseId, definition, businessLicenceApplication);
      await h.until(handle, 'the supervisor', (s) => s.steps.decision?.escalatedFrom !== undefined);
      await new Promise((r) => setTimeout(r, 1_500));
      await h.decide(handle, 'decision', 'approve');
      await handle.result();
      return handle;
    },
  },
  {
    // An overdue officer task climbs the service's chain (supervisor, head of unit) and, past the
    // deadline at the top, is recorded once as breached and waits there, with no timer, until decided.
    name: 'business-licence-escalation-chain',
    harness: { dueInMs: 200 },
    async run(h, caseId) {
      const definition = {
        ...exampleDefinition('business-licence.yaml'),
        escalation: { chain: ['licensing-supervisor', 'head-of-licensing'] },
        steps: [{ id: 'decision', officer: { role: 'licensing-officer', deadline: { workingDays: 3 } } }],
      } as ServiceDefinition;
      const handle = await h.start(caseId, definition, businessLicenceApplication);
      await h.until(handle, 'the breach at the top', (s) => s.steps.decision?.overdue === true);
      await new Promise((r) => setTimeout(r, 600));
      await h.decide(handle, 'decision', 'approve', { role: 'head-of-licensing' });
      await handle.result();
      return handle;
    },
  },
  {
    // The statutory clock stands still while the applicant has the case, then warns and, once
    // breached, sends the officer's task to the top of the chain.
    name: 'business-licence-statutory-clock',
    harness: { statutoryMs: 1_500 },
    async run(h, caseId) {
      const handle = await h.start(caseId, statutoryClockDefinition(), businessLicenceApplication);
      await h.until(handle, 'the clock to stop', (s) => s.deadlinePaused === true);
      await new Promise((r) => setTimeout(r, 500));
      await h.provide(handle, 'note', { note: 'as asked' });
      await h.until(handle, 'the breach', (s) => s.deadlineBreached === true, 10_000);
      await h.decide(handle, 'decision', 'approve', { role: 'head-of-licensing' });
      await handle.result();
      return handle;
    },
  },
  {
    // The applicant withdraws while a partner and an officer both hold work: the partner's task is
    // revoked (CASE.CLOSED), the step after the group never starts, and the case ends withdrawn.
    name: 'business-licence-withdrawn',
    ends: 'withdrawn',
    harness: { partners: { 'background-check@1': ['checks-a'] }, partnerDeadlineMs: 60_000 },
    async run(h, caseId) {
      const handle = await h.start(caseId, withdrawableDefinition(), businessLicenceApplication);
      await h.until(
        handle,
        'the partner and the officer',
        (s) =>
          s.steps['background-check']?.status === 'awaiting-partner' && s.steps.decision?.status === 'awaiting-officer',
      );
      await handle.executeUpdate(withdrawCase, { args: [{ withdrawnBy: 'citizen-1', reason: 'I moved abroad' }] });
      await handle.result();
      return handle;
    },
  },
  {
    // Withdrawn after two steps that name compensations: they are undone, last completed first.
    name: 'social-benefit-compensated',
    ends: 'withdrawn',
    harness: {
      partners: { 'income-verification@1': ['checks-a'], 'home-visit@1': ['visits-a'] },
      partnerDeadlineMs: 60_000,
    },
    async run(h, caseId) {
      const handle = await h.start(caseId, h.own(compensatedDefinition()), socialBenefitApplication);
      await h.answer(handle, 'income-verification', { confirmed: true, verifiedMonthlyNet: 1500 });
      await h.untilStep(handle, 'home-visit', 'awaiting-partner');
      await handle.executeUpdate(withdrawCase, { args: [{ withdrawnBy: 'citizen-1', reason: 'I found work' }] });
      await handle.result();
      return handle;
    },
  },
];

/**
 * The social benefit with compensations: the identity check is revoked and the verified income
 * record cancelled when the case fails or is withdrawn after them. With `refusedRefund` the
 * identity step's compensation is a fee refund the treasury refuses.
 */
export function compensatedDefinition(options: { refusedRefund?: boolean } = {}): ServiceDefinition {
  const definition = exampleDefinition('social-benefit.yaml');
  const compensations: Record<string, { agency: string; activity: string }> = {
    'verify-identity': options.refusedRefund
      ? { agency: 'treasury', activity: 'refundFee' }
      : { agency: 'public-security', activity: 'revokeVerification' },
    'income-verification': { agency: 'social-security', activity: 'cancelIncomeRecord' },
  };
  const withCompensation = (steps: readonly Step[]): Step[] =>
    steps.map((step) =>
      'parallel' in step
        ? { ...step, parallel: withCompensation(step.parallel) }
        : compensations[step.id]
          ? { ...step, compensate: compensations[step.id] }
          : step,
    );
  return { ...definition, steps: withCompensation(definition.steps) };
}

/** A partner step beside an officer step, then another officer step: a case to withdraw mid-way. */
/**
 * A business licence that asks the applicant first, then an officer decides: its statutory clock
 * stands still during the first step, and a breach sends the decision to the head of unit.
 */
export function statutoryClockDefinition(): ServiceDefinition {
  return {
    ...exampleDefinition('business-licence.yaml'),
    statutoryWarningAt: 0.5,
    escalation: { chain: ['licensing-supervisor', 'head-of-licensing'] },
    steps: [
      { id: 'note', citizenInput: { fields: [], prompt: 'Anything to add?', reminders: 1, onExpiry: 'withdraw' } },
      { id: 'decision', officer: { role: 'licensing-officer', deadline: { workingDays: 3 } } },
    ],
  } as ServiceDefinition;
}

export function withdrawableDefinition(): ServiceDefinition {
  return {
    ...exampleDefinition('business-licence.yaml'),
    steps: [
      {
        parallel: [
          {
            id: 'background-check',
            task: 'background-check@1',
            classification: { core: false, critical: false },
            partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true } },
            deadline: { hours: 48 },
            share: ['applicant.name'],
          },
          { id: 'decision', officer: { role: 'licensing-officer' } },
        ],
      },
      { id: 'deliver', officer: { role: 'licensing-officer' } },
    ],
  } as ServiceDefinition;
}

/** The social benefit with its identity check given a short pickup limit and an officer to fall back to. */
export function agencyDownDefinition(): ServiceDefinition {
  const definition = exampleDefinition('social-benefit.yaml');
  return {
    ...definition,
    steps: definition.steps.map((step) =>
      'run' in step && step.run && step.id === 'verify-identity'
        ? { ...step, run: { ...step.run, pickupWithin: { seconds: 2 }, fallback: { role: 'identity-officer' } } }
        : step,
    ),
  };
}
