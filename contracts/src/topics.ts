import { z } from 'zod';

/**
 * A partner's id, as it appears in its topic names. Kafka allows `[a-zA-Z0-9._-]` in a topic;
 * we allow lower-case letters, digits and dashes so that `govmesh.tasks.<id>` can never be
 * confused with another partner's topic or with a topic of ours.
 */
export const PartnerId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a partner id is 1-63 lower-case letters, digits and inner dashes');
export type PartnerId = z.infer<typeof PartnerId>;

/** Domain events for the audit ledger. */
export const EVENTS_TOPIC = 'govmesh.events';
/** Messages that could not even be parsed, with the reason. */
export const DEAD_LETTER_TOPIC = 'govmesh.dlq';
/** The partner registry: the latest profile of each partner, keyed by partner id (compacted). */
export const PARTNERS_TOPIC = 'govmesh.partners';

/** Each partner's standing per task type, from the audit ledger, for partner selection (compacted). */
export const PARTNER_STANDINGS_TOPIC = 'govmesh.partner-standings';

const TASKS_PREFIX = 'govmesh.tasks.';
const RESULTS_PREFIX = 'govmesh.results.';

/** Where a partner receives its tasks (and revocations and rejections). */
export function taskTopic(partnerId: PartnerId): string {
  return TASKS_PREFIX + PartnerId.parse(partnerId);
}

/** Where a partner publishes its results; the topic, never the payload, says who the author is. */
export function resultTopic(partnerId: PartnerId): string {
  return RESULTS_PREFIX + PartnerId.parse(partnerId);
}

/** Subscribes the result bridge to every partner's result topic. */
export const RESULT_TOPIC_PATTERN = /^govmesh\.results\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The partner that authored a message, read from the result topic it arrived on. */
export function partnerOfResultTopic(topic: string): PartnerId | undefined {
  return RESULT_TOPIC_PATTERN.test(topic) ? topic.slice(RESULTS_PREFIX.length) : undefined;
}
