import { z } from 'zod';

import { Rfc3339, cloudEvent } from './cloud-event.js';

export const DEAD_LETTER = 'gov.govmesh.dead-letter.v1';

/** `data` of a message on `govmesh.dlq`: a copy of something that could not even be parsed, and why. */
export const DeadLetterData = z.object({
  /** Where it arrived; for a result topic this also names the partner who sent it. */
  topic: z.string().min(1),
  partition: z.number().int().min(0),
  offset: z.string().regex(/^\d+$/),
  receivedAt: Rfc3339,
  reasons: z.array(z.string().min(1)).min(1),
  /** The message value as received, base64-encoded so that any bytes survive. */
  valueBase64: z.string(),
});
export type DeadLetterData = z.infer<typeof DeadLetterData>;

export const DeadLetter = cloudEvent(DEAD_LETTER, DeadLetterData);
export type DeadLetter = z.infer<typeof DeadLetter>;
