import { describe, expect, it } from 'vitest';

import { PartnerProfile, isEligible } from './partner-profile.js';

const acme = {
  id: 'acme-checks',
  name: 'ACME Background Checks Ltd',
  capabilities: ['background-check@1', 'background-check@2'],
  terms: {
    'background-check@1': { deadline: { hours: 48 }, capacity: 20 },
    'background-check@2': { deadline: { hours: 36 }, capacity: 20 },
  },
  status: 'active',
};

describe('PartnerProfile', () => {
  it('accepts a partner with terms for each capability', () => {
    expect(PartnerProfile.parse(acme).capabilities).toHaveLength(2);
  });

  it('refuses a capability without contract terms, and terms without a capability, naming each', () => {
    const result = PartnerProfile.safeParse({
      ...acme,
      capabilities: ['background-check@1', 'site-inspection@1'],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'terms.site-inspection@1: capability site-inspection@1 has no contract terms',
      'terms.background-check@2: terms for background-check@2, which is not among the capabilities',
    ]);
  });

  it('makes only active partners with the capability eligible', () => {
    const profile = PartnerProfile.parse(acme);
    expect(isEligible(profile, 'background-check@2')).toBe(true);
    expect(isEligible(profile, 'site-inspection@1')).toBe(false);
    expect(isEligible({ ...profile, status: 'suspended' }, 'background-check@2')).toBe(false);
  });
});
