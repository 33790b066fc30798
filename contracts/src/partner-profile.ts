import { z } from 'zod';

import { cloudEvent } from './cloud-event.js';
import { Deadline } from './service-definition.js';
import { TaskTypeRef } from './task-type-ref.js';
import { PartnerId } from './topics.js';

export const PartnerStatus = z.enum(['active', 'suspended', 'terminated']);
export type PartnerStatus = z.infer<typeof PartnerStatus>;

/** What a partner's contract says about one task type. */
export const ContractTerms = z
  .object({
    /** The longest a task may take under the contract; a step's own deadline may be shorter. */
    deadline: Deadline,
    /** How many tasks of this type the partner holds at once. */
    capacity: z.number().int().min(1),
  })
  .strict();
export type ContractTerms = z.infer<typeof ContractTerms>;

/** A contracted partner organisation. */
export const PartnerProfile = z
  .object({
    id: PartnerId,
    name: z.string().min(1).max(200),
    /** The task types (with contract version) the partner is contracted and able to do. */
    capabilities: z.array(TaskTypeRef).min(1),
    terms: z.record(TaskTypeRef, ContractTerms),
    status: PartnerStatus,
  })
  .strict()
  .superRefine((profile, ctx) => {
    for (const capability of profile.capabilities) {
      if (!(capability in profile.terms)) {
        ctx.addIssue({
          code: 'custom',
          path: ['terms', capability],
          message: `capability ${capability} has no contract terms`,
        });
      }
    }
    for (const ref of Object.keys(profile.terms)) {
      if (!profile.capabilities.includes(ref)) {
        ctx.addIssue({
          code: 'custom',
          path: ['terms', ref],
          message: `terms for ${ref}, which is not among the capabilities`,
        });
      }
    }
  });
export type PartnerProfile = z.infer<typeof PartnerProfile>;

export const PARTNER_PROFILE = 'gov.govmesh.partner.profile.v1';
/** On `govmesh.partners`: a partner's profile as of now (onboarded, suspended, reinstated, terminated). */
export const PartnerProfileEvent = cloudEvent(PARTNER_PROFILE, PartnerProfile);
export type PartnerProfileEvent = z.infer<typeof PartnerProfileEvent>;

/** Whether a partner may receive a task of this type now. */
export function isEligible(profile: PartnerProfile, taskType: TaskTypeRef): boolean {
  return profile.status === 'active' && profile.capabilities.includes(taskType);
}
