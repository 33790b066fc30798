import { readFileSync } from 'node:fs';

import { parse } from 'yaml';

/** The example catalogue the demo publishes, from examples/ in the repository. */
export const DEMO_SERVICES = ['business-licence.yaml', 'social-benefit.yaml'] as const;

type Json = Record<string, unknown>;

/**
 * A definition on the demo clock: partner steps get seconds instead of hours or working days, so
 * that a silent partner loses its task while you watch. Everything else is as published.
 */
export function onDemoClock(definition: Json, partnerSeconds: number): Json {
  const steps = (definition.steps as Json[]).map(function retime(step: Json): Json {
    if (Array.isArray(step.parallel)) return { ...step, parallel: (step.parallel as Json[]).map(retime) };
    return step.partners ? { ...step, deadline: { seconds: partnerSeconds } } : step;
  });
  return { ...definition, steps };
}

export function readExample(root: string, file: string): Json {
  return parse(readFileSync(`${root}/examples/${file}`, 'utf8')) as Json;
}

/** Plausible applications for each service; the names carry the case number, never real people. */
export function demoApplication(serviceId: string, n: number): Json {
  if (serviceId === 'social-benefit') {
    return {
      applicant: {
        name: `Demo Applicant ${n}`,
        dateOfBirth: '1984-05-17',
        nationalId: `NID-DEMO-${n}`,
        address: `${n} Demo Street`,
      },
      household: { size: 1 + (n % 5) },
      income: { monthlyNet: 900 + (n % 7) * 100, employerRegistrationNumber: 'ENT-1002' },
      bankAccount: { iban: 'DE89370400440532013000' },
    };
  }
  return {
    applicant: {
      name: `Demo Applicant ${n}`,
      dateOfBirth: '1979-10-02',
      nationalId: `NID-DEMO-${n}`,
      email: `applicant${n}@example.org`,
    },
    business: { name: `Demo Bakery ${n}`, address: `${n} Market Square`, activity: 'bakery' },
  };
}
