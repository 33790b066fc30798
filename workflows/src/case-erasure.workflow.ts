import { proxyActivities } from '@temporalio/workflow';

import type { ErasureActivities, ErasureOrder, ErasureReport } from './case-erasure.js';

const act = proxyActivities<ErasureActivities>({
  startToCloseTimeout: '1 minute',
  // Kafka or Temporal down: keep trying (nothing is lost, the erasure waits), but a running case
  // is refused at once.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['ERASURE.CASE_RUNNING'] },
});

/**
 * Erases one closed case's personal data, in an order that loses nothing if it stops half-way:
 * the partners are told first (their copy), then Temporal's history goes (ours), and only then
 * does the ledger say `case.erased`. Each step is idempotent, so a retried order ends the same.
 */
export async function caseErasure(order: ErasureOrder): Promise<ErasureReport> {
  const { historyHeld } = await act.checkCaseClosed({ caseId: order.caseId });
  await act.tellPartnersToDelete(order);
  if (historyHeld) await act.deleteCaseHistory({ caseId: order.caseId });
  const partnersTold = [...new Set(order.partnerTasks.map((t) => t.partnerId))].sort();
  await act.recordErasure({ ...order, partnersTold });
  return { caseId: order.caseId, partnersTold, historyDeleted: historyHeld };
}
