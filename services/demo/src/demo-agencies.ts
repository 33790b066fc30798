import type { AgencyActivityDefinition } from '@govmesh/agency-sdk';

/**
 * The demo agencies' stand-ins for their own systems, each run in a process of its own through
 * `@govmesh/agency-sdk` (`govmesh-demo-agency`), as a real agency runs its own. The production
 * worker contains none of this.
 */
export const DEMO_AGENCIES: Readonly<Record<string, Readonly<Record<string, AgencyActivityDefinition>>>> = {
  'public-security': {
    verifyIdentity: {
      description: "Matches the applicant's national id against the population register.",
      output: {
        type: 'object',
        properties: { verified: { type: 'boolean' }, method: { type: 'string' } },
        required: ['verified', 'method'],
      },
      run: ({ application }) => {
        const applicant = (application.applicant ?? {}) as { nationalId?: unknown };
        return Promise.resolve({
          verified: typeof applicant.nationalId === 'string' && applicant.nationalId.length > 0,
          method: 'register-match',
        });
      },
    },
  },
  'social-security': {
    schedulePayments: {
      description: 'Opens a payment plan for an approved benefit.',
      output: {
        type: 'object',
        properties: { scheduled: { type: 'boolean' }, paymentPlanId: { type: 'string' } },
        required: ['scheduled', 'paymentPlanId'],
      },
      run: ({ caseId }) => Promise.resolve({ scheduled: true, paymentPlanId: `plan-${caseId}` }),
    },
  },
};

export const DEMO_AGENCY_NAMES = Object.keys(DEMO_AGENCIES);
