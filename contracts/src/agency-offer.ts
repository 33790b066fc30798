import { z } from 'zod';

import { Agency } from './service-definition.js';

/** An activity name as a definition's `run` and `compensate` spell it. */
export const ActivityName = z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'an activity is a camelCase name');

/** One in-house activity an agency's worker runs, with what it answers. */
export const OfferedActivity = z
  .object({
    name: ActivityName,
    /** A sentence for the people who write definitions. */
    description: z.string().min(1).max(500).optional(),
    /** JSON Schema of the activity's output (the step's output in the case), when the agency states it. */
    output: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type OfferedActivity = z.infer<typeof OfferedActivity>;

/**
 * What an agency's workers announce (`@govmesh/agency-sdk` does it on start): the activities they
 * run on the agency's own task queue. A definition may name in `run` and `compensate` only what
 * its agency offers, so a typo is refused at publish instead of waiting for ever at run time.
 */
export const AgencyOffer = z
  .object({
    activities: z
      .array(OfferedActivity)
      .min(1, 'an agency offers at least one activity')
      .max(500)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((a, i) => {
          if (seen.has(a.name))
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${a.name} is offered twice` });
          seen.add(a.name);
        });
      }),
  })
  .strict();
export type AgencyOffer = z.infer<typeof AgencyOffer>;

/** An offer as the platform keeps it: whose, who announced it, when. */
export const AnnouncedOffer = AgencyOffer.extend({
  agency: Agency,
  announcedBy: z.string().min(1),
  announcedAt: z.string().datetime(),
});
export type AnnouncedOffer = z.infer<typeof AnnouncedOffer>;
