import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { LedgerRecord } from './ledger-record.js';

/** A partner task that, by the ledger, is still with its partner. */
export interface OpenPartnerTask {
  readonly caseId: string;
  readonly stepId: string;
  readonly taskId: string;
  readonly partnerId: string;
  readonly attempt: number;
  readonly deadline: string;
}

const CLOSING = new Set<string>([
  DOMAIN_EVENTS.resultAccepted.type,
  DOMAIN_EVENTS.deadlineBreached.type,
  DOMAIN_EVENTS.taskRevoked.type,
]);
const CASE_END = new Set<string>([
  DOMAIN_EVENTS.caseCompleted.type,
  DOMAIN_EVENTS.caseFailed.type,
  DOMAIN_EVENTS.caseWithdrawn.type,
]);

/**
 * The tasks a partner holds now: dispatched, with no accepted result, breach or revocation since,
 * in a case that has not ended. Used to take work back from a suspended partner.
 */
export async function openPartnerTasks(
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  partnerId: string,
): Promise<OpenPartnerTask[]> {
  const open = new Map<string, OpenPartnerTask>();
  for await (const r of records) {
    const f = r.facts;
    if (r.type === DOMAIN_EVENTS.taskDispatched.type) {
      // A new attempt replaces the previous one, whoever holds it.
      open.delete(String(f.taskId));
      if (f.partnerId === partnerId) {
        open.set(String(f.taskId), {
          caseId: r.caseId,
          stepId: String(f.stepId),
          taskId: String(f.taskId),
          partnerId,
          attempt: Number(f.attempt),
          deadline: String(f.deadline),
        });
      }
    } else if (CLOSING.has(r.type)) {
      const task = open.get(String(f.taskId));
      if (task && task.attempt === Number(f.attempt)) open.delete(task.taskId);
    } else if (CASE_END.has(r.type)) {
      for (const [id, task] of open) if (task.caseId === r.caseId) open.delete(id);
    }
  }
  return [...open.values()];
}
