import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { contractLookup, seedForms, seedTaskTypes } from './standards/index.js';
import { validateServiceDefinition } from './validate-service-definition.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const load = (file: string): Record<string, unknown> =>
  parse(readFileSync(examples + file, 'utf8')) as Record<string, unknown>;
const businessLicence = (): Record<string, unknown> & { steps: Array<Record<string, unknown>> } =>
  load('business-licence.yaml') as Record<string, unknown> & { steps: Array<Record<string, unknown>> };

/** The business licence with one step replaced or added, to test one rule at a time. */
function withStep(step: Record<string, unknown>): unknown {
  const def = businessLicence();
  const i = def.steps.findIndex((s) => s.id === step.id);
  if (i >= 0) def.steps[i] = step;
  else def.steps.push(step);
  return def;
}

const rules = (raw: unknown): string[] => validateServiceDefinition(raw).problems.map((p) => `${p.step}:${p.rule}`);

describe('validateServiceDefinition', () => {
  // The examples use the seed catalogue and the standards examples/standards/ publishes.
  const published = (suffix: string) =>
    readdirSync(`${examples}standards`)
      .filter((f) => f.endsWith(suffix))
      .map((f) => load(`standards/${f}`) as never);
  const contracts = contractLookup(
    [...seedTaskTypes(), ...published('.task-type.yaml')],
    [...seedForms(), ...published('.form.yaml')],
  );

  it.each(readdirSync(examples).filter((f) => f.endsWith('.yaml')))('accepts the example %s', (file) => {
    const report = validateServiceDefinition(load(file), { contracts });
    expect(report.problems).toEqual([]);
    expect(report.valid).toBe(true);
  });

  it('derives the mode of every step of the business licence', () => {
    expect(validateServiceDefinition(businessLicence()).steps).toEqual([
      { id: 'verify-identity', mode: 'in-house' },
      { id: 'background-check', mode: 'outsourced' },
      { id: 'site-inspection', mode: 'controlled' },
      { id: 'decision', mode: 'in-house' },
      { id: 'deliver-certificate', mode: 'outsourced' },
    ]);
  });

  it('reports five mistakes as five problems, each naming its step and rule', () => {
    const report = validateServiceDefinition(load('invalid/five-mistakes.yaml'));
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.step, p.rule])).toEqual([
      ['verify-identity', 'core-critical-to-partner'],
      ['background-check', 'share-unknown-field'],
      ['site-inspection', 'unknown-task-type'],
      ['deliver-certificate', 'partner-step-without-deadline'],
      ['translate-deeds', 'controlled-without-review'],
    ]);
    expect(report.problems[2]?.message).toBe(
      'step site-inspection: task site-inspection@7 is not a known task type (served: site-inspection@1)',
    );
  });

  it('refuses an explicit mode weaker than the classification requires', () => {
    const step = { ...businessLicence().steps[2], mode: 'outsourced' };
    expect(rules(withStep(step))).toEqual(['site-inspection:mode-weaker-than-classification']);
  });

  it('accepts an explicit mode stricter than the derived one', () => {
    const { partners: _p, review: _r, deadline: _d, share: _s, ...step } = businessLicence().steps[2]!;
    expect(rules(withStep({ ...step, mode: 'in-house', officer: { role: 'inspector' } }))).toEqual([]);
  });

  it('refuses duplicate step ids', () => {
    const def = businessLicence();
    def.steps.push({ ...def.steps[3], id: 'background-check' });
    expect(rules(def)).toEqual(['background-check:duplicate-step-id']);
  });

  it('refuses a when that reads a step that has not run yet, or does not exist', () => {
    const def = businessLicence();
    def.steps[1] = { ...def.steps[1], when: { '==': [{ var: 'steps.decision.output.decision' }, 'approve'] } };
    def.steps[2] = { ...def.steps[2], when: { var: 'steps.no-such-step.output.ok' } };
    expect(rules(def)).toEqual(['background-check:when-step-not-run-yet', 'site-inspection:when-unknown-step']);
  });

  it('refuses a when that reads a sibling in the same parallel group', () => {
    const def = load('social-benefit.yaml') as { steps: Array<{ parallel?: Array<Record<string, unknown>> }> };
    const group = def.steps[1]!.parallel!;
    group[1] = { ...group[1], when: { var: 'steps.employer-lookup.found' } };
    expect(rules(def)).toEqual(['income-verification:when-step-not-run-yet']);
  });

  it('refuses a when with an operator JSON Logic does not have', () => {
    expect(rules(withStep({ ...businessLicence().steps[4], when: { eval: 'process.exit()' } }))).toEqual([
      'deliver-certificate:when-unknown-operator',
    ]);
  });

  it('keeps a partner to the fields its contract declares, and gives it every one the application holds', () => {
    const step = businessLicence().steps[1]!;
    expect(
      rules(withStep({ ...step, share: ['applicant.name', 'applicant.dateOfBirth', 'applicant.nationalId'] })),
    ).toEqual(['background-check:share-beyond-contract']);
    expect(rules(withStep({ ...step, share: ['applicant.name'] }))).toEqual(['background-check:task-input-not-shared']);
  });

  it('refuses an in-house step with nobody to do it, and an outsourced step without partners', () => {
    expect(rules(withStep({ id: 'archive', classification: { core: true, critical: true } }))).toEqual([
      'archive:in-house-without-executor',
    ]);
    expect(
      rules(
        withStep({ id: 'courier', task: 'certificate-delivery@1', classification: { core: false, critical: false } }),
      ),
    ).toEqual(['courier:partner-step-without-partners']);
  });

  it('reports format mistakes with their path, and keeps checking the other steps', () => {
    const def = businessLicence();
    def.steps[0] = { ...def.steps[0], classification: { core: 'yes', critical: true } };
    def.steps[1] = { ...def.steps[1], deadline: { hours: 48, workingDays: 2 } };
    def.steps[2] = { ...def.steps[2], review: undefined };
    const report = validateServiceDefinition(JSON.parse(JSON.stringify(def)));
    expect(report.problems).toEqual([
      {
        step: 'verify-identity',
        rule: 'schema',
        message: 'steps[0].classification.core: Invalid input: expected boolean, received string',
      },
      {
        step: 'background-check',
        rule: 'schema',
        message: 'steps[1].deadline: a deadline has exactly one of workingDays, days, hours, minutes or seconds',
      },
      {
        step: 'site-inspection',
        rule: 'controlled-without-review',
        message: 'step site-inspection: runs controlled, so an officer must review its output: add review.role',
      },
    ]);
  });

  it('refuses an escalation chain that names a role twice, and a warning share outside 0 to 1, at once', () => {
    const def = {
      ...businessLicence(),
      statutoryWarningAt: 1.5,
      escalation: { chain: ['licensing-supervisor', 'licensing-supervisor'] },
    };
    expect(validateServiceDefinition(def).problems.map((p) => p.message)).toEqual([
      'statutoryWarningAt: less than 1',
      'escalation.chain: a role appears once in the chain',
    ]);
  });

  it('refuses something that is not a definition at all with one clear problem', () => {
    expect(validateServiceDefinition('hello').problems).toEqual([
      { step: null, rule: 'schema', message: 'a service definition is an object (apiVersion, kind, id, …, steps)' },
    ]);
    expect(validateServiceDefinition({ apiVersion: 'govmesh/v1', kind: 'Service' }).valid).toBe(false);
  });
  describe("agency activities, against what the agencies' workers offer", () => {
    const agencyOffers = new Map([
      ['public-security', [{ name: 'verifyIdentity' }, { name: 'revokeVerification' }]],
      ['social-security', [{ name: 'schedulePayments' }]],
    ]);
    const typo = () =>
      withStep({
        id: 'verify-identity',
        task: 'identity-verification@1',
        classification: { core: true, critical: true },
        run: { agency: 'public-securty', activity: 'verifyIdentityy' },
        compensate: { agency: 'public-security', activity: 'revokeVerificatoin' },
      });

    it('refuses a run or compensate nobody offers, naming what is offered, all at once', () => {
      const report = validateServiceDefinition(typo(), { agencyOffers });
      expect(report.valid).toBe(false);
      expect(report.problems).toEqual([
        {
          step: 'verify-identity',
          rule: 'unknown-agency-activity',
          message:
            'step verify-identity: run names agency public-securty, whose workers offer nothing (agencies with workers: public-security, social-security); if it is not yet deployed, say so when publishing',
        },
        {
          step: 'verify-identity',
          rule: 'unknown-agency-activity',
          message:
            "step verify-identity: compensate names public-security's activity revokeVerificatoin, which its workers do not offer (they offer verifyIdentity, revokeVerification)",
        },
      ]);
    });

    it('accepts what is offered, and warns of an agency the publisher accepts as not yet deployed', () => {
      expect(validateServiceDefinition(businessLicence(), { agencyOffers }).problems).toEqual([]);
      const def = withStep({
        id: 'verify-identity',
        task: 'identity-verification@1',
        classification: { core: true, critical: true },
        run: { agency: 'border-control', activity: 'checkPassport' },
      });
      const report = validateServiceDefinition(def, { agencyOffers, notYetDeployed: ['border-control'] });
      expect(report.valid).toBe(true);
      expect(report.warnings.filter((w) => w.rule === 'agency-not-yet-deployed')).toEqual([
        {
          step: 'verify-identity',
          rule: 'agency-not-yet-deployed',
          message:
            "step verify-identity: run names border-control's checkPassport, which no worker offers yet; accepted as not yet deployed, its cases wait for it (or its fallback) until one does",
        },
      ]);
      // Accepting one agency as undeployed does not excuse another's typo.
      expect(validateServiceDefinition(typo(), { agencyOffers, notYetDeployed: ['border-control'] }).valid).toBe(false);
    });

    it("refuses an activity whose promised output the step's task type does not accept", () => {
      const promising = (output: Record<string, unknown>) =>
        new Map([['public-security', [{ name: 'verifyIdentity', output }]]]);
      // identity-verification@1 answers { verified: boolean, method: enum }, both required.
      const clash = validateServiceDefinition(businessLicence(), {
        agencyOffers: promising({
          type: 'object',
          properties: { verified: { type: 'string' }, method: { type: 'string' } },
          required: ['verified'],
        }),
      });
      expect(clash.problems).toEqual([
        {
          step: 'verify-identity',
          rule: 'agency-contract-clash',
          message:
            'step verify-identity: run\'s public-security verifyIdentity answers what identity-verification@1 does not accept: method is required by identity-verification@1 but not promised; verified is "boolean" in identity-verification@1 but "string" in the offer',
        },
      ]);
      const fits = promising({
        type: 'object',
        properties: { verified: { type: 'boolean' }, method: { type: 'string' } },
        required: ['verified', 'method'],
      });
      expect(validateServiceDefinition(businessLicence(), { agencyOffers: fits }).problems).toEqual([]);
    });

    it('checks nothing about agencies when it is not told what they offer (a definition read offline)', () => {
      expect(rules(typo())).toEqual([]);
    });
  });
});
