import { CaseStillRunning } from '@govmesh/case-client';
import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { closedCaseRetentionDays } from '@govmesh/contracts/service-definition';
import type { ErasedPartnerTask, ErasureReason } from '@govmesh/workflows/case-erasure';

import type { CaseRecord, ErasureOutcome } from './platform-store.js';
import type { ApiDeps } from './route-spec.js';

const DAY_MS = 86_400_000;
/** The sweep reads Temporal's closed cases again this far back: visibility lags a closing by moments. */
const VISIBILITY_MARGIN_MS = 5 * 60_000;
const CLOSED_WATERMARK = 'closed-cases';

/** Every partner task the case dispatched, as the ledger recorded it: each got some of its fields. */
async function partnerTasksOf(caseId: string, deps: ApiDeps): Promise<ErasedPartnerTask[]> {
  const records = await deps.audit.auditTimeline(caseId);
  return records
    .filter((r) => r.type === DOMAIN_EVENTS.taskDispatched.type)
    .map((r) => ({
      partnerId: String(r.facts.partnerId),
      taskId: String(r.facts.taskId),
      attempt: Number(r.facts.attempt),
    }));
}

/**
 * Erases one closed case's personal data: the erasure workflow tells its partners, deletes its
 * history and records `case.erased`; then the API unlinks the applicant. A case still running is
 * kept, with the reason.
 */
export async function eraseCase(
  record: CaseRecord,
  reason: ErasureReason,
  deps: ApiDeps,
  requestId?: string,
): Promise<ErasureOutcome> {
  if (record.erased) return { caseId: record.caseId, outcome: 'erased' };
  const log = deps.logger.child({ component: 'case-erasure' });
  try {
    const report = await deps.cases.erase({
      caseId: record.caseId,
      reason,
      ...(requestId ? { requestId } : {}),
      partnerTasks: await partnerTasksOf(record.caseId, deps),
    });
    await deps.store.markErased(record.caseId, reason, deps.now?.() ?? new Date());
    log.info(
      {
        caseId: record.caseId,
        reason,
        partnersTold: report.partnersTold.length,
        historyDeleted: report.historyDeleted,
      },
      'case erased',
    );
    return { caseId: record.caseId, outcome: 'erased' };
  } catch (err) {
    if (err instanceof CaseStillRunning) return { caseId: record.caseId, outcome: 'kept', reason: err.message };
    log.warn({ caseId: record.caseId, reason, err: (err as Error).message }, 'case not erased yet; tried again later');
    return { caseId: record.caseId, outcome: 'failed', reason: (err as Error).message };
  }
}

export interface RetentionSweep {
  /** Cases the sweep saw close since the last one, now counting down their retention. */
  readonly closedSeen: number;
  readonly erased: number;
  /** Due but not erased (an engine unreachable): the next sweep tries again. */
  readonly failed: number;
}

/**
 * One pass of retention: learns from Temporal which cases closed (and so when each is due, by its
 * service version's retention), then erases the cases whose time has come.
 */
export async function sweepRetention(deps: ApiDeps, options: { batch?: number } = {}): Promise<RetentionSweep> {
  const now = deps.now?.() ?? new Date();
  const since = (await deps.store.watermark(CLOSED_WATERMARK)) ?? new Date(0);
  let closedSeen = 0;
  let newest = since;
  for (const { caseId, closedAt } of await deps.cases.casesClosedSince(
    new Date(since.getTime() - VISIBILITY_MARGIN_MS),
  )) {
    if (closedAt > newest) newest = closedAt;
    const record = await deps.store.case(caseId);
    if (!record || record.closedAt) continue;
    const version = (await deps.store.serviceVersions(record.serviceId)).find(
      (v) => v.definition.version === record.serviceVersion,
    );
    const days = closedCaseRetentionDays(version?.definition ?? {});
    if (await deps.store.noteClosed(caseId, closedAt, new Date(closedAt.getTime() + days * DAY_MS))) closedSeen++;
  }
  await deps.store.setWatermark(CLOSED_WATERMARK, newest);
  let erased = 0;
  let failed = 0;
  for (const record of await deps.store.casesDueForErasure(now, options.batch ?? 500)) {
    const outcome = await eraseCase(record, 'retention', deps);
    if (outcome.outcome === 'erased') erased++;
    else failed++;
  }
  return { closedSeen, erased, failed };
}

/** Sweeps every `everyMs` (and once at start); one sweep at a time; `stop` waits for the current one. */
export function scheduleRetentionSweeps(deps: ApiDeps, everyMs: number): { stop(): Promise<void> } {
  const log = deps.logger.child({ component: 'retention' });
  let current: Promise<void> = Promise.resolve();
  let sweeping = false;
  const sweep = () => {
    if (sweeping) return; // a long sweep is not overtaken by the next one
    sweeping = true;
    current = sweepRetention(deps)
      .then((s) => {
        if (s.closedSeen || s.erased || s.failed) log.info(s, 'retention sweep');
      })
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'retention sweep failed; tried again later'))
      .finally(() => {
        sweeping = false;
      });
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
