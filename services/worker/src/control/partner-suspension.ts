import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { CaseClient, CaseFailure } from '@govmesh/case-client';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';

import type { PartnerDirectory } from '../domain/partner-directory.js';

/** A task a partner holds, as the audit ledger knows it. */
export interface HeldTask {
  readonly caseId: string;
  readonly stepId: string;
  readonly taskId: string;
}

export interface PartnerSuspensionDeps {
  readonly client: Client;
  /** Where the status takes effect for selection (the worker's directory, or the partner registry). */
  readonly directory: Pick<PartnerDirectory, 'setStatus'>;
  /** The partner's open tasks (from the ledger: `openPartnerTasks` in @govmesh/audit). */
  readonly openTasks: (partnerId: string) => Promise<readonly HeldTask[]>;
  readonly logger: Logger;
}

export interface SuspensionOutcome {
  /** Tasks taken back; each case moves its task to the next eligible partner. */
  readonly moved: readonly string[];
  /** Tasks that ended on their own before the revocation reached them. */
  readonly alreadySettled: readonly string[];
}

/**
 * Suspends a partner: it gets no new tasks from this moment, and every task it holds is revoked
 * (`PARTNER.SUSPENDED`) and reassigned by its case, which records both in the ledger.
 */
export async function suspendPartner(
  deps: PartnerSuspensionDeps,
  partnerId: string,
  reason: string,
  status: PartnerProfile['status'] = 'suspended',
): Promise<SuspensionOutcome> {
  const log = deps.logger.child({ component: 'partner-suspension' });
  deps.directory.setStatus(partnerId, status);
  const moved: string[] = [];
  const alreadySettled: string[] = [];
  const cases = new CaseClient(deps.client);
  for (const task of await deps.openTasks(partnerId)) {
    try {
      await cases.revoke(task.caseId, {
        stepId: task.stepId,
        revokedBy: 'system',
        reason,
        code: 'PARTNER.SUSPENDED',
        partnerId,
      });
      moved.push(task.taskId);
    } catch (err) {
      // The task ended (result, deadline, case closed) between the ledger read and now: nothing to move.
      if (err instanceof CaseFailure && !err.retriable) alreadySettled.push(task.taskId);
      else throw err;
    }
  }
  log.info(
    { partnerId, status, moved: moved.length, alreadySettled: alreadySettled.length },
    'partner suspended; its open tasks were taken back',
  );
  return { moved, alreadySettled };
}
