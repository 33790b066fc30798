import { seedForms } from '@govmesh/contracts/standards';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { PersonalDataRedaction, seededRedaction } from './personal-data-redaction.js';

const application = {
  applicant: { name: 'Ada Lovelace', dateOfBirth: '1815-12-10', nationalId: 'NID-1815', email: 'ada@example.org' },
  business: { name: 'Analytical Engines', address: '12 St James Square', activity: 'computing' },
};

/** A logger as the services make it, writing its lines here instead of to stdout. */
function capture(redaction: PersonalDataRedaction) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'debug', formatters: { log: redaction.formatLog } },
    { write: (line: string) => void lines.push(line) },
  );
  return { logger, lines };
}

describe('log redaction by the contracts’ classification', () => {
  it('redacts the fields a form marks personal wherever they appear in a logged object, and nothing else', () => {
    const { logger, lines } = capture(seededRedaction());
    logger.info({ caseId: 'case-1', application, attempts: [{ applicant: application.applicant }] }, 'submitted');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      caseId: 'case-1',
      application: {
        applicant: { name: '[personal]', dateOfBirth: '[personal]', nationalId: '[sensitive]', email: '[personal]' },
        // The business's name is not personal data: the form does not mark it.
        business: application.business,
      },
      attempts: [{ applicant: { nationalId: '[sensitive]' } }],
      msg: 'submitted',
    });
    for (const value of Object.values(application.applicant)) expect(lines[0]).not.toContain(value);
    // The logged object itself is left as it was.
    expect(application.applicant.name).toBe('Ada Lovelace');
  });

  it('learns a newly published form, so its fields are redacted from then on', () => {
    const redaction = new PersonalDataRedaction();
    const { logger, lines } = capture(redaction);
    const form = {
      type: 'object',
      properties: { well: { type: 'object', properties: { owner: { type: 'string' } } } },
    };
    logger.info({ well: { owner: 'Rachel Carson' } }, 'before');
    redaction.learn({
      ...form,
      properties: {
        well: { type: 'object', properties: { owner: { type: 'string', 'x-govmesh-classification': 'personal' } } },
      },
    });
    logger.info({ well: { owner: 'Rachel Carson' } }, 'after');
    expect(lines[0]).toContain('Rachel Carson');
    expect(lines[1]).not.toContain('Rachel Carson');
    expect([...redaction.paths()]).toEqual([['well.owner', 'personal']]);
  });

  it('knows every classified field of the seed forms', () => {
    const paths = seededRedaction().paths();
    for (const form of seedForms())
      for (const field of ['applicant.name', 'applicant.nationalId'])
        expect(paths.has(field), `${form.name}: ${field}`).toBe(true);
  });
});
