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

const CLOSING = new Set([
  'gov.govmesh.task.result-accepted.v1',
  'gov.govmesh.task.deadline-breached.v1',
  'gov.govmesh.task.revocation-recorded.v1',
]);
const CASE_END = new Set([
  'gov.govmesh.case.completed.v1',
  'gov.govmesh.case.failed.v1',
  'gov.govmesh.case.withdrawn.v1',
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
    if (r.type === 'gov.govmesh.task.dispatched.v1') {
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
