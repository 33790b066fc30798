import { setTimeout as sleep } from 'node:timers/promises';

import { CASE_BUSY } from '@govmesh/workflows/case-api';
import type { WorkflowClientInterceptor } from '@temporalio/client';

/**
 * For a Temporal client that sends Updates to cases itself, not through `CaseClient` (tests,
 * operators' scripts): an Update a case refuses as busy (`CASE_BUSY`, for the moment a call of its
 * own takes to return to it) is sent again, `pauseMs` apart, under the same Update id, for as long
 * as the caller waits. `CaseClient` does the same within its deadline.
 */
export function updatesSentAgainWhileBusy(pauseMs = 20): WorkflowClientInterceptor {
  return {
    async startUpdate(input, next) {
      for (;;) {
        const output = await next(input);
        if (output.outcome?.failure?.applicationFailureInfo?.type !== CASE_BUSY) return output;
        await sleep(pauseMs);
      }
    },
  };
}
