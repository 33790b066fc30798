import type { ServiceTransparency } from '@govmesh/contracts/partner-scorecard';
import { z } from 'zod';

/** Under this many cases a count, and any rate or median drawn from it, is withheld (laptop default). */
export const DEFAULT_SMALL_COUNT = 5;

const Count = z.number().int().min(0).nullable();
/** The public figures of one service, with every small count withheld (null) so no one is identifiable. */
export const PublicServiceFigures = z.object({
  serviceId: z.string(),
  received: Count,
  completed: Count,
  failed: Count,
  withinStatutoryDeadline: z.number().min(0).max(1).nullable(),
  /** Cases recorded past their statutory deadline. */
  statutoryBreaches: Count,
  medianProcessingMs: z.number().nullable(),
  satisfaction: z.object({ ratings: Count, average: z.number().min(1).max(5).nullable() }),
  /** Counts from 1 to this minus one are withheld, and what is computed from fewer cases. */
  suppressedBelow: z.number().int().min(1),
});
export type PublicServiceFigures = z.infer<typeof PublicServiceFigures>;

/**
 * Small-cell suppression, as statistics offices publish: a count from 1 to `below - 1` could point
 * at a person (the one failed case in a village), so it is withheld, and so is a rate or median
 * computed from fewer than `below` cases. Zero is published: it points at no one.
 */
export function publicFigures(figures: ServiceTransparency, below: number): PublicServiceFigures {
  const count = (n: number) => (n === 0 || n >= below ? n : null);
  const enough = (n: number) => n >= below;
  return {
    serviceId: figures.serviceId,
    received: count(figures.received),
    completed: count(figures.completed),
    failed: count(figures.failed),
    withinStatutoryDeadline: enough(figures.completed) ? figures.withinStatutoryDeadline : null,
    statutoryBreaches: count(figures.statutoryBreaches),
    medianProcessingMs: enough(figures.completed) ? figures.medianProcessingMs : null,
    satisfaction: {
      ratings: count(figures.satisfaction.ratings),
      average: enough(figures.satisfaction.ratings) ? figures.satisfaction.average : null,
    },
    suppressedBelow: below,
  };
}
