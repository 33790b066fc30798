import type { z } from 'zod';

import type { TaskTypeRef } from '../task-type-ref.js';

/**
 * One task type of the seed catalogue, as govmesh first shipped it in code (zod). The registry
 * publishes each as revision 1 of its major (`standards/seed.ts`); from then on the published JSON
 * Schema, not this, is what partners and cases are held to.
 */
export interface TaskContract {
  readonly name: string;
  readonly major: number;
  readonly title: string;
  /** What govmesh sends the partner (`task.assigned` `input`). */
  readonly input: z.ZodObject;
  /** What the partner must send back (`task.result` `output`). */
  readonly output: z.ZodObject;
  /** Set when a newer major replaces this one; it stays served until `sunset` (a date). */
  readonly deprecation?: { readonly replacedBy: TaskTypeRef; readonly sunset: string };
}
