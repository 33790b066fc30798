import type { LookupStep } from '@govmesh/contracts/service-definition';
import { proxyActivities } from '@temporalio/workflow';

import { get } from '../application-paths.js';
import type { StepState } from '../case-api.js';
import { REGISTRY_LOOKUP_ACTIVITY, type RegistryLookupActivity } from '../case-activities.js';
import type { CaseContext } from '../case-context.js';
import { StepFailed } from '../case-model.js';
import { agencyTaskQueue } from '../task-queues.js';
import { DEFAULT_PICKUP_SECONDS, notPickedUp } from './agency-step.js';
import { awaitOfficer } from './officer-step.js';

/**
 * Reads another agency's registry for the stated purpose. From `registry-services` the case's own
 * agency asks the provider's registry service, as itself: the provider decides, and a refusal is
 * recorded with its reason and the request's hash, then handled (an officer of the fallback role
 * enters the fields, or the step fails). Before, the platform's worker read an in-process registry.
 */
export async function runLookup(ctx: CaseContext, step: LookupStep, s: StepState): Promise<Record<string, unknown>> {
  if (ctx.asksRegistryServices) return await askRegistryService(ctx, step, s);
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
  const taken = namedFields(fields, answer.found === true, answer);
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

async function askRegistryService(ctx: CaseContext, step: LookupStep, s: StepState): Promise<Record<string, unknown>> {
  const { agency, registry, purpose, key, fields, fallback } = step.lookup;
  const client = ctx.definition.ownerAgency;
  const own = proxyActivities<Record<string, RegistryLookupActivity>>({
    taskQueue: agencyTaskQueue(client),
    startToCloseTimeout: '1 minute',
    // The case's agency runs no worker: the look-up is refused, not waited on for ever.
    scheduleToStartTimeout: `${DEFAULT_PICKUP_SECONDS} seconds`,
  });
  const request = {
    requestId: `${ctx.caseId}:${step.id}`,
    client,
    provider: agency,
    registry,
    caseId: ctx.caseId,
    purpose,
    fields: [...fields],
    key: get(ctx.application, key),
  };
  const outcome = await ctx.journal
    .flushThen(() => own[REGISTRY_LOOKUP_ACTIVITY]!(request))
    .catch((err: unknown) => {
      if (!notPickedUp(err)) throw err;
      return {
        outcome: 'refused' as const,
        requestHash: '0'.repeat(64),
        code: 'AGENCY.UNAVAILABLE',
        reason: `${client} did not pick the look-up up within ${DEFAULT_PICKUP_SECONDS} s`,
      };
    });
  if (outcome.outcome === 'answered') {
    const taken = namedFields(fields, outcome.found, outcome.record);
    await ctx.journal.record(
      'lookupPerformed',
      {
        stepId: step.id,
        agency,
        registry,
        purpose,
        found: outcome.found,
        fields: Object.keys(taken).filter((f) => f !== 'found'),
        requestHash: outcome.requestHash,
      },
      step.id,
    );
    return taken;
  }
  const { code, reason, requestHash } = outcome;
  await ctx.journal.record(
    'lookupRefused',
    {
      stepId: step.id,
      agency,
      registry,
      purpose,
      code,
      reason,
      requestHash,
      ...(fallback ? { fallbackRole: fallback.role } : {}),
    },
    step.id,
  );
  if (!fallback) throw new StepFailed(step.id, code, `${agency}'s ${registry} refused the look-up: ${reason}`);
  await ctx.journal.record('fellBackInHouse', { stepId: step.id, role: fallback.role, reason }, step.id);
  return await awaitOfficer(ctx, step.id, s, fallback.role, 'fallback');
}

/** Once-only, and no more than that: the case takes the named fields and nothing else. */
function namedFields(
  fields: readonly string[],
  found: boolean,
  record: Record<string, unknown>,
): Record<string, unknown> {
  const taken: Record<string, unknown> = { found };
  for (const field of fields) if (found && field in record) taken[field] = record[field];
  return taken;
}
