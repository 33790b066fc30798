import { setTimeout as sleep } from 'node:timers/promises';

import { Role, type ServiceDefinition } from '@govmesh/contracts/service-definition';
import type { PinnedContracts } from '@govmesh/contracts/standards';
import { PartnerId } from '@govmesh/contracts/topics';
import { caseErasureId } from '@govmesh/contracts/case-ids';
import {
  AWAITING_ROLES,
  OFFICER_DUE_BY,
  OFFICER_TASKS_IN_MEMO,
  OFFICER_TASKS_MEMO,
  PARTNERS_HOLDING_TASKS,
  VISIBILITY_VERSION,
  caseStateQuery,
  claimOfficerTask,
  decideOfficerTask,
  provideCitizenInput,
  revokePartnerTask,
  withdrawCase,
  submitTaskResult,
  type CaseState,
  type CitizenInput,
  type OfficerDecision,
  type OfficerTaskClaim,
  type OfficerTaskHold,
  type OfficerTaskEntry,
  type PartnerResult,
  type PartnerTaskRevocation,
  type CaseWithdrawal,
  type ServiceCaseInput,
} from '@govmesh/workflows/case-api';
import type { ErasureOrder, ErasureReport } from '@govmesh/workflows/case-erasure';
import { CASE_TASK_QUEUE } from '@govmesh/workflows/task-queues';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';

import { CaseBusy, CaseClosed, CaseStillRunning, classify } from './case-failure.js';
import { exactStartTime, inboxPage, type InboxPage } from './inbox-page.js';

/**
 * The pauses before a message a busy case refused is sent again: doubling from the first to the
 * last. A case is busy for milliseconds (a local activity's result on its way), or for as long as
 * one of its calls outlasts a workflow task (seconds).
 */
const FIRST_BUSY_PAUSE_MS = 10;
const LAST_BUSY_PAUSE_MS = 500;

/** A case in the officers' inbox: its officer tasks (undefined: too old to list them; ask it), and when it started. */
export interface InboxCase {
  readonly caseId: string;
  readonly tasks?: readonly OfficerTaskEntry[];
  /** The exact start time the index orders by (RFC 3339, nanoseconds). */
  readonly startedAt: string;
}

export interface CaseClientOptions {
  /** Where new cases run: the worker's task queue (govmesh-cases). */
  readonly taskQueue?: string;
  /** How long a case may take to answer a message before it counts as unreachable (30 s). */
  readonly timeoutMs?: number;
}

/**
 * Running cases, as the rest of govmesh talks to them: the workflow id is the case id. Every
 * failure is a CaseFailure (refused, closed, unreachable) or an error nobody expected.
 */
export class CaseClient {
  private readonly timeoutMs: number;
  private readonly taskQueue: string;

  constructor(
    private readonly client: Client,
    options: CaseClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.taskQueue = options.taskQueue ?? CASE_TASK_QUEUE;
  }

  /**
   * Starts the case. A case already started under this id, running or ended, is left as it is:
   * a retried start never runs a case twice.
   */
  async start(
    caseId: string,
    definition: ServiceDefinition,
    application: Record<string, unknown>,
    /** The contract revisions the case validates against; the seed catalogue's when absent. */
    contracts?: PinnedContracts,
  ): Promise<void> {
    const input: ServiceCaseInput = { caseId, definition, application, ...(contracts ? { contracts } : {}) };
    try {
      await this.client.workflow.start('serviceCase', {
        taskQueue: this.taskQueue,
        workflowId: caseId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** The case's state, or undefined when there is no such case. */
  async state(caseId: string): Promise<CaseState | undefined> {
    try {
      return await this.client.workflow.getHandle(caseId).query(caseStateQuery);
    } catch (err) {
      if (classify(err, caseId) instanceof CaseClosed) return undefined;
      throw err;
    }
  }

  /** When Temporal closed the case; undefined while it runs, or when there is no such case. */
  async endedAt(caseId: string): Promise<Date | undefined> {
    try {
      return (await this.client.workflow.getHandle(caseId).describe()).closeTime;
    } catch (err) {
      if (classify(err, caseId) instanceof CaseClosed) return undefined;
      throw err;
    }
  }

  /**
   * Ids of the running cases in which `partnerId` holds a task, from one visibility query on the
   * search attribute the cases keep (PARTNERS_HOLDING_TASKS), with the cases too old to keep it
   * (no VISIBILITY_VERSION): ask each for its state. Visibility lags a case by moments.
   */
  casesHoldingPartnerTasks(partnerId: string): Promise<string[]> {
    return this.idsOf(`${PARTNERS_HOLDING_TASKS.name} = "${PartnerId.parse(partnerId)}"`);
  }

  /** Ids of the running cases waiting for a decision or review by one of `roles` (or too old to say). */
  async casesAwaitingRoles(roles: readonly string[]): Promise<string[]> {
    return (await this.officerInbox(roles)).map((c) => c.caseId);
  }

  /**
   * The officers' inbox in one visibility query: the running cases waiting for a decision or
   * review by one of `roles`, each with the officer tasks its memo lists; `tasks` is undefined for
   * a case that keeps none there (started before VISIBILITY_VERSION 2, or too old to say), which
   * the caller asks directly. Visibility lags a case by moments.
   */
  async officerInbox(
    roles: readonly string[],
  ): Promise<Array<{ caseId: string; tasks?: readonly OfficerTaskEntry[] }>> {
    const found: Array<{ caseId: string; tasks?: readonly OfficerTaskEntry[] }> = [];
    const query = this.awaitingRolesQuery(roles);
    for await (const w of this.client.workflow.list({ query })) found.push(this.inboxEntry(w));
    return found;
  }

  /**
   * One page of the officers' inbox: at most `pageSize` running cases waiting for one of `roles`,
   * those overdue at the first page's time first (OFFICER_DUE_BY), each part newest first (the
   * only order Temporal's SQL visibility lists in), from one visibility query (two where the
   * overdue part ends) whatever the number of open cases; `pageToken` is the last page's
   * `nextPageToken`. Throws InvalidPageToken for a token this client did not give. A case too old
   * to keep its due date is listed with those not overdue.
   */
  async officerInboxPage(
    roles: readonly string[],
    page: { readonly pageSize: number; readonly pageToken?: string },
    now = new Date(),
  ): Promise<InboxPage<InboxCase>> {
    const waiting = this.awaitingRolesQuery(roles);
    const due = OFFICER_DUE_BY.name;
    return inboxPage(
      async (slice, limit) => {
        const part = slice.overdue ? `${due} <= "${slice.dueAt}"` : `(${due} > "${slice.dueAt}" OR ${due} IS NULL)`;
        const since = slice.startedAtOrBefore ? ` AND StartTime <= "${slice.startedAtOrBefore}"` : '';
        const listed: InboxCase[] = [];
        for await (const w of this.client.workflow.list({ query: `${waiting} AND ${part}${since}`, pageSize: limit })) {
          listed.push({ ...this.inboxEntry(w), startedAt: exactStartTime(w.raw.startTime) });
          if (listed.length >= limit) break;
        }
        return listed;
      },
      page.pageSize,
      page.pageToken,
      now,
    );
  }

  /** The query for running cases waiting for one of `roles`, or too old to say. */
  private awaitingRolesQuery(roles: readonly string[]): string {
    // Only a role as a definition may name one (kebab-case) reaches the query.
    const named = roles.filter((r) => Role.safeParse(r).success).map((r) => `"${r}"`);
    return this.runningAnd(named.length > 0 ? `${AWAITING_ROLES.name} IN (${named.join(', ')})` : undefined);
  }

  /** A listed case with the officer tasks its memo keeps, or none for a case too old to keep them. */
  private inboxEntry(w: WorkflowExecutionInfo): { caseId: string; tasks?: readonly OfficerTaskEntry[] } {
    const version = w.typedSearchAttributes.get(VISIBILITY_VERSION);
    return version === undefined || version < OFFICER_TASKS_IN_MEMO
      ? { caseId: w.workflowId }
      : { caseId: w.workflowId, tasks: (w.memo?.[OFFICER_TASKS_MEMO] ?? []) as readonly OfficerTaskEntry[] };
  }

  /** The running cases that meet `condition`, and those too old to say (no VISIBILITY_VERSION). */
  private async idsOf(condition: string | undefined): Promise<string[]> {
    const ids: string[] = [];
    for await (const w of this.client.workflow.list({ query: this.runningAnd(condition) })) ids.push(w.workflowId);
    return ids;
  }

  /** The query for running cases here that meet `condition` or are too old to keep the attributes. */
  private runningAnd(condition: string | undefined): string {
    const tooOld = `${VISIBILITY_VERSION.name} IS NULL`;
    const where = condition ? `(${condition} OR ${tooOld})` : tooOld;
    return `WorkflowType="serviceCase" AND ExecutionStatus="Running" AND TaskQueue="${this.taskQueue}" AND ${where}`;
  }

  /**
   * The cases on this client's task queue that closed at or after `since` (completed, failed,
   * withdrawn, terminated), with when: one visibility query, oldest first. Visibility lags a case
   * by moments, so a caller keeps a margin before its watermark.
   */
  async casesClosedSince(since: Date): Promise<Array<{ caseId: string; closedAt: Date }>> {
    const closed: Array<{ caseId: string; closedAt: Date }> = [];
    const query = `WorkflowType="serviceCase" AND ExecutionStatus!="Running" AND TaskQueue="${this.taskQueue}" AND CloseTime>="${since.toISOString()}"`;
    for await (const w of this.client.workflow.list({ query }))
      if (w.closeTime) closed.push({ caseId: w.workflowId, closedAt: w.closeTime });
    return closed.sort((a, b) => a.closedAt.getTime() - b.closedAt.getTime());
  }

  /**
   * Erases a closed case's personal data (the erasure workflow on the worker) and waits for it.
   * Ordered twice, the case is erased once: the second order answers the first one's report.
   */
  async erase(order: ErasureOrder): Promise<ErasureReport> {
    try {
      return await this.orderErasure(order);
    } catch (err) {
      // The workflow refuses a running case at its first step; nothing was erased.
      let cause: unknown = err;
      while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
      if (cause instanceof ApplicationFailure && cause.type === 'ERASURE.CASE_RUNNING')
        throw new CaseStillRunning(order.caseId);
      throw err;
    }
  }

  private async orderErasure(order: ErasureOrder): Promise<ErasureReport> {
    const workflowId = caseErasureId(order.caseId);
    try {
      const handle = await this.client.workflow.start('caseErasure', {
        taskQueue: this.taskQueue,
        workflowId,
        // A refused erasure (the case was still running) may be ordered again once it has closed.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [order],
      });
      return (await handle.result()) as ErasureReport;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return (await this.client.workflow.getHandle(workflowId).result()) as ErasureReport;
    }
  }

  /**
   * Hands a partner's result to its case; the same `messageId` twice is applied once. `signal`
   * cancels the call where it stands (the reader is stopping, or its partition moved): the case
   * may still take the result, and whoever hands the message over again gets the same answer.
   */
  submitResult(caseId: string, result: PartnerResult, messageId: string, signal?: AbortSignal): Promise<void> {
    return this.send(
      caseId,
      () =>
        this.client.workflow.getHandle(caseId).executeUpdate(submitTaskResult, { args: [result], updateId: messageId }),
      signal,
    );
  }

  /** An officer claims (or releases) an officer task; answers who holds it now and its version. */
  claim(caseId: string, claim: OfficerTaskClaim): Promise<OfficerTaskHold> {
    return this.call(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(claimOfficerTask, { args: [claim] }),
    );
  }

  decide(caseId: string, decision: OfficerDecision): Promise<void> {
    return this.send(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(decideOfficerTask, { args: [decision] }),
    );
  }

  provideInput(caseId: string, input: CitizenInput): Promise<void> {
    return this.send(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(provideCitizenInput, { args: [input] }),
    );
  }

  /** The applicant withdraws the case: it stops, takes back its partners' tasks, and ends withdrawn. */
  withdraw(caseId: string, withdrawal: CaseWithdrawal): Promise<void> {
    return this.send(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(withdrawCase, { args: [withdrawal] }),
    );
  }

  revoke(caseId: string, revocation: PartnerTaskRevocation): Promise<void> {
    return this.send(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(revokePartnerTask, { args: [revocation] }),
    );
  }

  private async send(caseId: string, update: () => Promise<unknown>, signal?: AbortSignal): Promise<void> {
    await this.call(caseId, update, signal);
  }

  /**
   * An Update within the client's deadline (and until `signal` aborts, when given), its refusal
   * classified (CaseRefused, CaseClosed, …). A case refuses every message for a moment while a
   * call of its own returns to it (CaseBusy): the Update is sent again, ever less often, until the
   * deadline, and CaseBusy (retriable) is thrown only when it has passed.
   */
  private async call<T>(caseId: string, update: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    const withinDeadline = () => this.client.withDeadline(deadline, update);
    for (let pauseMs = FIRST_BUSY_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, LAST_BUSY_PAUSE_MS)) {
      let failure: unknown;
      try {
        return await (signal ? this.untilAborted(signal, withinDeadline) : withinDeadline());
      } catch (err) {
        failure = classify(err, caseId, this.timeoutMs) ?? err;
      }
      if (!(failure instanceof CaseBusy) || Date.now() + pauseMs >= deadline) throw failure;
      await sleep(pauseMs, undefined, signal ? { signal } : {}).catch(() => {
        throw failure;
      });
    }
  }

  /**
   * `work` under a signal of its own that aborts with `signal`. Temporal's connection adds an abort
   * listener to the signal for every gRPC call and never takes it off; given the caller's signal,
   * which lives as long as a reader holds its partitions, each hand-over left a listener holding
   * its call behind, for days (the bridge's memory grew with every result). Linked by hand, not
   * with `AbortSignal.any`: on Node 20 that keeps every signal made from a long-lived source
   * reachable from it (nodejs/node#55351, #54614), the same kind of leak.
   */
  private async untilAborted<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    const own = new AbortController();
    const abort = () => own.abort(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      return await this.client.withAbortSignal(own.signal, work);
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }
}
