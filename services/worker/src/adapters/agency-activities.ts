import type { AgencyActivity } from '@govmesh/workflows/case-activities';

/**
 * The in-house automated steps of the demo agencies. Each agency runs its own on its own task
 * queue; a real agency plugs its systems in here.
 */
export const DEMO_AGENCY_ACTIVITIES: Readonly<Record<string, Readonly<Record<string, AgencyActivity>>>> = {
  'public-security': {
    verifyIdentity: ({ application }) => {
      const applicant = (application.applicant ?? {}) as { nationalId?: unknown };
      return Promise.resolve({
        verified: typeof applicant.nationalId === 'string' && applicant.nationalId.length > 0,
        method: 'register-match',
      });
    },
  },
  'social-security': {
    schedulePayments: ({ caseId }) => Promise.resolve({ scheduled: true, paymentPlanId: `plan-${caseId}` }),
  },
};
