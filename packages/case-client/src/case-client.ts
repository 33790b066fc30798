import { Role, type ServiceDefinition } from '@govmesh/contracts/service-definition';
import type { PinnedContracts } from '@govmesh/contracts/standards';
import { PartnerId } from '@govmesh/contracts/topics';
import {
  AWAITING_ROLES,
  PARTNERS_HOLDING_TASKS,
  VISIBILITY_VERSION,
  caseStateQuery,
  decideOfficerTask,
  provideCitizenInput,
  revokePartnerTask,
  submitTaskResult,
  type CaseState,
  type CitizenInput,
  type OfficerDecision,
  type PartnerResult,
  type PartnerTaskRevocation,
  type ServiceCaseInput,
} from '@govmesh/workflows/case-api';
import { CASE_TASK_QUEUE } from '@govmesh/workflows/task-queues';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';

import { CaseClosed, classify } from './case-failure.js';

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

  /**
   * Ids of the running cases in which `partnerId` holds a task, from one visibility query on the
   * search attribute the cases keep (PARTNERS_HOLDING_TASKS), with the cases too old to keep it
   * (no VISIBILITY_VERSION): ask each for its state. Visibility lags a case by moments.
   */
  casesHoldingPartnerTasks(partnerId: string): Promise<string[]> {
    return this.idsOf(`${PARTNERS_HOLDING_TASKS.name} = "${PartnerId.parse(partnerId)}"`);
  }

  /** Ids of the running cases waiting for a decision or review by one of `roles` (or too old to say). */
  casesAwaitingRoles(roles: readonly string[]): Promise<string[]> {
    // Only a role as a definition may name one (kebab-case) reaches the query.
    const named = roles.filter((r) => Role.safeParse(r).success).map((r) => `"${r}"`);
    return this.idsOf(named.length > 0 ? `${AWAITING_ROLES.name} IN (${named.join(', ')})` : undefined);
  }

  /** The running cases that meet `condition`, and those too old to say (no VISIBILITY_VERSION). */
  private async idsOf(condition: string | undefined): Promise<string[]> {
    const ids: string[] = [];
    const tooOld = `${VISIBILITY_VERSION.name} IS NULL`;
    const where = condition ? `(${condition} OR ${tooOld})` : tooOld;
    for await (const w of this.client.workflow.list({ query: `${this.runningHere()} AND ${where}` }))
      ids.push(w.workflowId);
    return ids;
  }

  private runningHere(): string {
    return `WorkflowType="serviceCase" AND ExecutionStatus="Running" AND TaskQueue="${this.taskQueue}"`;
  }

  /** Ids of the cases running on this client's task queue (Temporal's visibility index). */
  async runningCaseIds(): Promise<ReadonlySet<string>> {
    const ids = new Set<string>();
    for await (const w of this.client.workflow.list({
      query: this.runningHere(),
    }))
      ids.add(w.workflowId);
    return ids;
  }

  /** Hands a partner's result to its case; the same `messageId` twice is applied once. */
  submitResult(caseId: string, result: PartnerResult, messageId: string): Promise<void> {
    return this.send(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(submitTaskResult, { args: [result], updateId: messageId }),
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

  revoke(caseId: string, revocation: PartnerTaskRevocation): Promise<void> {
    return this.send(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(revokePartnerTask, { args: [revocation] }),
    );
  }

  private async send(caseId: string, update: () => Promise<unknown>): Promise<void> {
    try {
      await this.client.withDeadline(Date.now() + this.timeoutMs, update);
    } catch (err) {
      throw classify(err, caseId, this.timeoutMs) ?? err;
    }
  }
}
