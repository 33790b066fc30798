import { z } from 'zod';

import { Rfc3339, cloudEvent } from './cloud-event.js';
import { PartnerId } from './topics.js';

const Rate = z.number().min(0).max(1).nullable();

/**
 * How one partner performed on one task type over a time window, from the audit ledger.
 * Rates are null where there is nothing to divide by yet.
 */
export const PartnerScorecard = z.object({
  partnerId: PartnerId,
  taskType: z.string().min(1),
  window: z.object({ from: Rfc3339.nullable(), to: Rfc3339.nullable() }),
  /** Tasks dispatched to the partner (each attempt counts). */
  assigned: z.number().int().min(0),
  completedOnTime: z.number().int().min(0),
  /** Deadlines breached, and completed results that arrived after the deadline. */
  late: z.number().int().min(0),
  /** Tasks taken back from the partner (a breached deadline, an officer, a suspension). */
  revoked: z.number().int().min(0),
  /** Results the partner itself reported as `failed`. */
  failed: z.number().int().min(0),
  /** Results refused because the output broke the task type's contract. */
  rejectedInvalid: z.number().int().min(0),
  /** Results refused for any other reason (late, foreign, duplicate). */
  rejectedOther: z.number().int().min(0),
  /** Accepted results an officer sent back for rework. */
  sentBackForRework: z.number().int().min(0),
  /** From dispatch to an accepted completed result. */
  turnaroundMs: z.object({
    median: z.number().nullable(),
    p95: z.number().nullable(),
    samples: z.number().int().min(0),
  }),
  reviews: z.number().int().min(0),
  reviewApprovalRate: Rate,
  satisfaction: z.object({ ratings: z.number().int().min(0), average: z.number().min(1).max(5).nullable() }),
  onTimeRate: Rate,
  validityRate: Rate,
  /** 0..1; see the README for the formula. Null until the partner has any settled work. */
  score: Rate,
});
export type PartnerScorecard = z.infer<typeof PartnerScorecard>;

/** Published per service, with no case or person in it. */
export const ServiceTransparency = z.object({
  serviceId: z.string().min(1),
  received: z.number().int().min(0),
  completed: z.number().int().min(0),
  failed: z.number().int().min(0),
  /**
   * Of the completed cases that had a statutory deadline, the share completed by it (the deadline
   * as moved by the time the case waited on the applicant).
   */
  withinStatutoryDeadline: Rate,
  /** Cases, open or closed, recorded past their statutory deadline. */
  statutoryBreaches: z.number().int().min(0),
  medianProcessingMs: z.number().nullable(),
  satisfaction: z.object({ ratings: z.number().int().min(0), average: z.number().min(1).max(5).nullable() }),
});
export type ServiceTransparency = z.infer<typeof ServiceTransparency>;

/**
 * What partner selection needs of a scorecard: how many tasks of a type the partner has had and
 * its score. The audit service publishes one per partner and task type when it changes.
 */
export const PartnerStanding = PartnerScorecard.pick({ partnerId: true, taskType: true, assigned: true, score: true });
export type PartnerStanding = z.infer<typeof PartnerStanding>;

export const PARTNER_STANDING = 'gov.govmesh.partner.standing.v1';
/** On `govmesh.partner-standings` (compacted), keyed by `partnerStandingKey`. */
export const PartnerStandingEvent = cloudEvent(PARTNER_STANDING, PartnerStanding);
export type PartnerStandingEvent = z.infer<typeof PartnerStandingEvent>;

/** The key of a partner's standing on a task type: the latest one is what compaction keeps. */
export function partnerStandingKey(standing: Pick<PartnerStanding, 'partnerId' | 'taskType'>): string {
  return `${standing.partnerId}/${standing.taskType}`;
}
