// eslint-disable-next-line no-restricted-imports -- a type, erased: this module is a client's, not workflow code
import type { WorkflowClientInterceptor } from '@temporalio/client';

import { CASE_BUSY } from './case-api.js';

/**
 * For a Temporal client that sends Updates to cases itself, not through `CaseClient` (tests,
 * operators' scripts): an Update a case refuses as busy (`CASE_BUSY`, for the moment a call of its
 * own takes to return to it) is sent again, `pauseMs` apart, under the same Update id, for as long
 * as the caller waits; `refused` is told of each refusal. `CaseClient` does the same within its
 * deadline. Not workflow code: a client's (the workflow bundle never imports it).
 */
export function updatesSentAgainWhileBusy({
  pauseMs = 20,
  refused,
}: { pauseMs?: number; refused?: () => void } = {}): WorkflowClientInterceptor {
  return {
    async startUpdate(input, next) {
      for (;;) {
        const output = await next(input);
        if (output.outcome?.failure?.applicationFailureInfo?.type !== CASE_BUSY) return output;
        refused?.();
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    },
  };
}
