import type { LookupStep } from '@govmesh/contracts/service-definition';

import { get } from '../application-paths.js';
import type { CaseContext } from '../case-context.js';

/** Reads another agency's registry for the stated purpose. */
export async function runLookup(ctx: CaseContext, step: LookupStep): Promise<Record<string, unknown>> {
  const { agency, registry, purpose, key, fields } = step.lookup;
  const answer = await ctx.journal.flushThen(() =>
    ctx.remote.performLookup({
      caseId: ctx.caseId,
      stepId: step.id,
      agency,
      registry,
      purpose,
      key: get(ctx.application, key),
    }),
  );
  // Once-only, and no more than that: the case takes the named fields and nothing else.
  const taken: Record<string, unknown> = { found: answer.found === true };
  for (const field of fields) if (taken.found && field in answer) taken[field] = answer[field];
  await ctx.journal.record(
    'lookupPerformed',
    {
      stepId: step.id,
      agency,
      registry,
      purpose,
      found: taken.found,
      fields: Object.keys(taken).filter((f) => f !== 'found'),
    },
    step.id,
  );
  return taken;
}
