import { describe, expect, it } from 'vitest';

import { validateServiceDefinition } from '../validate-service-definition.js';
import { contractLookup, seedContracts } from './contract-lookup.js';
import type { FormRevision, TaskTypeRevision } from './publications.js';
import { nextFormRevision, nextTaskTypeRevision } from './publish.js';
import { describeSchemaErrors, schemaErrors } from './schema-validator.js';
import { seedForms, seedTaskTypes } from './seed.js';
import { classifiedFields } from './classification.js';

const at = new Date('2026-11-30T10:00:00Z');
const waterTest = {
  title: 'Drinking-water sample analysis',
  ownerAgency: 'environment',
  input: {
    type: 'object',
    properties: {
      site: { type: 'object', properties: { address: { type: 'string', minLength: 1 } }, required: ['address'] },
    },
    required: ['site'],
  },
  output: {
    type: 'object',
    properties: {
      potable: { type: 'boolean' },
      sampledOn: { type: 'string', format: 'date' },
      nitrateMgPerL: { type: 'number', minimum: 0 },
    },
    required: ['potable', 'sampledOn'],
  },
};
const publish = (body: unknown, latest?: TaskTypeRevision, agency = 'environment') =>
  nextTaskTypeRevision({ name: 'water-analysis', major: 1, body, agency, by: 'admin@environment', at, latest });
const first = (): TaskTypeRevision => {
  const out = publish(waterTest);
  if (!out.ok) throw new Error(JSON.stringify(out.problems));
  return out.revision;
};

describe('publishing a task type', () => {
  it('makes revision 1 of a new major, then counts compatible revisions', () => {
    const r1 = first();
    expect(r1).toMatchObject({ name: 'water-analysis', major: 1, revision: 1, ownerAgency: 'environment' });
    const optionalField = structuredClone(waterTest);
    (optionalField.output.properties as Record<string, unknown>).lab = { type: 'string' };
    const r2 = publish(optionalField, r1);
    expect(r2).toMatchObject({ ok: true, unchanged: false, revision: { revision: 2 } });
  });

  it('answers the same revision when nothing changed (publishing is repeatable)', () => {
    const r1 = first();
    expect(publish(waterTest, r1)).toMatchObject({ ok: true, unchanged: true, revision: { revision: 1 } });
  });

  it('refuses a revision that breaks partners of the major, with every breaking change', () => {
    const r1 = first();
    const breaking = structuredClone(waterTest);
    breaking.output.required.push('nitrateMgPerL');
    delete (breaking.input.properties.site.properties as Record<string, unknown>).address;
    const out = publish(breaking, r1);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.kind).toBe('incompatible');
    expect(out.problems.map((p) => `${p.path} ${p.rule}`).sort()).toEqual([
      'body.input.site.address removed',
      'body.output.nitrateMgPerL made-required',
    ]);
  });

  it('refuses invalid JSON Schema and features the gate cannot compare, all at once, by path', () => {
    const out = publish({
      title: '',
      ownerAgency: 'environment',
      input: { type: 'object', properties: { a: { type: 'strin' } } },
      output: { type: 'object', properties: { b: { $ref: '#/$defs/b' }, c: { type: 'string', pattern: '(' } } },
    });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.kind).toBe('invalid');
    const paths = out.problems.map((p) => `${p.path} ${p.rule}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.title schema',
        'body.output.properties.b.$ref unsupported-keyword',
        expect.stringMatching(/^body\.input\.properties\.a\.type json-schema$/),
      ]),
    );
  });

  it('refuses an unknown format rather than ignoring it', () => {
    const body = structuredClone(waterTest);
    (body.output.properties.sampledOn as Record<string, unknown>).format = 'date-ish';
    const out = publish(body);
    expect(out).toMatchObject({ ok: false, kind: 'invalid' });
    if (!out.ok) expect(out.problems[0]!.message).toMatch(/date-ish/);
  });

  it('lets only the owner agency publish, and only for itself', () => {
    const r1 = first();
    expect(publish({ ...waterTest, ownerAgency: 'health' }, r1, 'health')).toMatchObject({
      ok: false,
      kind: 'not-owner',
    });
    expect(publish({ ...waterTest, ownerAgency: 'health' }, undefined, 'environment')).toMatchObject({
      ok: false,
      kind: 'not-owner',
    });
  });
});

describe('publishing a form', () => {
  const seed = seedForms()[0]!;
  const asRevision = (): FormRevision => ({ ...seed, revision: 1, publishedAt: at.toISOString(), publishedBy: 'seed' });
  const publishForm = (body: unknown, latest?: FormRevision) =>
    nextFormRevision({ name: seed.name, major: 1, body, agency: seed.ownerAgency, by: 'x', at, latest });

  it('needs a label in en and zh-CN for every field, and names only fields the schema has', () => {
    const { 'applicant.email': _gone, ...fields } = seed.ui.fields;
    const out = publishForm({ ...seed, ui: { order: [...seed.ui.order, 'applicant.shoeSize'], fields } });
    expect(out).toMatchObject({ ok: false, kind: 'invalid' });
    if (!out.ok) expect(out.problems.map((p) => p.rule).sort()).toEqual(['ui-unknown-field', 'ui-unlabelled-field']);
  });

  it('takes new wording and optional fields, refuses a field made stricter', () => {
    const reworded = structuredClone(seed);
    reworded.ui.fields['business.name']!.label.en = 'Trading name';
    expect(publishForm(reworded, asRevision())).toMatchObject({ ok: true, revision: { revision: 2 } });
    const stricter = structuredClone(seed);
    const business = (stricter.schema.properties as Record<string, { properties: Record<string, object> }>).business!;
    business.properties.name = { ...business.properties.name, maxLength: 20 };
    expect(publishForm(stricter, asRevision())).toMatchObject({ ok: false, kind: 'incompatible' });
  });

  it('says which fields hold personal data, and refuses a classification it does not know, by path', () => {
    expect(classifiedFields(seed.schema)).toEqual([
      { path: 'applicant.name', classification: 'personal' },
      { path: 'applicant.dateOfBirth', classification: 'personal' },
      { path: 'applicant.nationalId', classification: 'sensitive' },
      { path: 'applicant.email', classification: 'personal' },
    ]);
    // Marking a field is not a breaking change: the schema accepts the same applications.
    const marked = structuredClone(seed);
    const business = (marked.schema.properties as Record<string, { properties: Record<string, object> }>).business!;
    business.properties.address = { ...business.properties.address, 'x-govmesh-classification': 'personal' };
    expect(publishForm(marked, asRevision())).toMatchObject({ ok: true, revision: { revision: 2 } });
    business.properties.address = { ...business.properties.address, 'x-govmesh-classification': 'secret' };
    const out = publishForm(marked, asRevision());
    expect(out).toMatchObject({ ok: false, kind: 'invalid' });
    if (!out.ok)
      expect(out.problems.map((p) => p.message)).toContain(
        'body.schema.properties.business.properties.address.x-govmesh-classification must be one of personal, sensitive',
      );
  });
});

describe('the validator', () => {
  it('reports every problem by dotted path, as partners and citizens read them', () => {
    const output = seedTaskTypes().find((t) => t.name === 'background-check' && t.major === 2)!.output;
    const errors = schemaErrors(output, { clear: 'yes', findings: [{ category: 'gossip', severity: 'low' }] });
    expect(describeSchemaErrors(errors, 'output').sort()).toEqual([
      'output.clear: must be boolean',
      'output.findings.0.category: must be equal to one of the allowed values',
      'output.findings.0.summary: is required',
    ]);
  });

  it('accepts what the seed contracts accepted (dates, emails, IBANs)', () => {
    const form = seedForms().find((f) => f.name === 'social-benefit-application')!.schema;
    const application = {
      applicant: { name: 'Li Wei', dateOfBirth: '1980-02-29', nationalId: 'X', address: 'Somewhere 1' },
      household: { size: 3 },
      income: { monthlyNet: 1200 },
      bankAccount: { iban: 'DE89370400440532013000' },
    };
    expect(schemaErrors(form, application)).toEqual([]);
    expect(
      schemaErrors(form, { ...application, applicant: { ...application.applicant, dateOfBirth: '1980-02-30' } }),
    ).toEqual([
      {
        path: 'applicant.dateOfBirth',
        message: 'must match format "date"',
        rule: 'format',
        params: { format: 'date' },
      },
    ]);
  });
});

describe('definitions against published contracts', () => {
  const definition = (task: string) => ({
    apiVersion: 'govmesh/v1',
    kind: 'Service',
    id: 'licence',
    version: 1,
    title: 'Licence',
    ownerAgency: 'market-regulation',
    application: { schema: 'business-licence-application@1' },
    steps: [
      {
        id: 'check',
        task,
        classification: { core: false, critical: false },
        partners: { select: 'best-score', fallback: { role: 'licensing-officer' } },
        deadline: { hours: 1 },
        share: ['applicant.name', 'applicant.dateOfBirth'],
      },
    ],
  });

  it('warns inside the deprecation window and refuses past the sunset', () => {
    const inWindow = validateServiceDefinition(definition('background-check@1'), { today: '2027-06-30' });
    expect(inWindow.valid).toBe(true);
    expect(inWindow.warnings.map((w) => w.rule)).toEqual(['contract-deprecated']);
    const past = validateServiceDefinition(definition('background-check@1'), { today: '2027-07-01' });
    expect(past.problems.map((p) => p.rule)).toEqual(['contract-past-sunset']);
    expect(past.problems[0]!.message).toMatch(/retired on 2027-06-30; use background-check@2/);
  });

  it('warns when the service keeps closed cases longer than Temporal keeps their histories, and refuses a negative retention', () => {
    const keepsAYear = { ...definition('background-check@2'), retention: { closedCases: { days: 365 } } };
    const report = validateServiceDefinition(keepsAYear, { caseHistoryRetentionDays: 30 });
    expect(report.valid).toBe(true);
    expect(report.warnings.map((w) => w.rule)).toEqual(['retention-beyond-history']);
    expect(report.warnings[0]!.message).toMatch(/raise the namespace retention to at least 365 days/);
    expect(validateServiceDefinition(keepsAYear, { caseHistoryRetentionDays: 400 }).warnings).toEqual([]);
    // Without a retention, a year: the same warning.
    expect(
      validateServiceDefinition(definition('background-check@2'), { caseHistoryRetentionDays: 1 }).warnings.map(
        (w) => w.rule,
      ),
    ).toEqual(['retention-beyond-history']);
    const negative = validateServiceDefinition({ ...keepsAYear, retention: { closedCases: { days: -1 } } });
    expect(negative.problems.map((p) => p.message)).toContain('retention.closedCases.days: at least 0 days');
  });

  it('knows a task type only once it is published', () => {
    const seed = seedContracts();
    expect(validateServiceDefinition(definition('water-analysis@1')).problems.map((p) => p.rule)).toEqual([
      'unknown-task-type',
    ]);
    const water = { name: 'water-analysis', major: 1, ...waterTest };
    water.input = {
      type: 'object',
      properties: {
        applicant: { type: 'object', properties: { name: { type: 'string' }, dateOfBirth: { type: 'string' } } },
      },
    } as never;
    const published = contractLookup(
      [
        ...seed
          .taskTypeRefs()
          .map((r) => ({ ...seed.taskType(r)!, name: r.split('@')[0]!, major: Number(r.split('@')[1]) })),
        water,
      ],
      seedForms(),
    );
    expect(validateServiceDefinition(definition('water-analysis@1'), { contracts: published }).valid).toBe(true);
  });
});
