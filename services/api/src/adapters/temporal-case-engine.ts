import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import {
  caseStateQuery,
  decideOfficerTask,
  provideCitizenInput,
  revokePartnerTask,
  type CaseState,
} from '@govmesh/workflows/case-api';
import { ApplicationFailure, type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

import { CaseRefusal, type CaseEngine } from '../ports.js';

/** Cases as Temporal workflows: the workflow id is the case id. */
export class TemporalCaseEngine implements CaseEngine {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(caseId: string, definition: ServiceDefinition, application: Record<string, unknown>): Promise<void> {
    await this.client.workflow.start('serviceCase', {
      taskQueue: this.taskQueue,
      workflowId: caseId,
      args: [{ caseId, definition, application }],
    });
  }

  async state(caseId: string): Promise<CaseState | undefined> {
    try {
      return await this.client.workflow.getHandle(caseId).query(caseStateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async runningCaseIds(): Promise<ReadonlySet<string>> {
    const ids = new Set<string>();
    for await (const w of this.client.workflow.list({
      query: `WorkflowType="serviceCase" AND ExecutionStatus="Running" AND TaskQueue="${this.taskQueue}"`,
    }))
      ids.add(w.workflowId);
    return ids;
  }

  decide(caseId: string, decision: Parameters<CaseEngine['decide']>[1]): Promise<void> {
    return this.update(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(decideOfficerTask, { args: [decision] }),
    );
  }

  provideInput(caseId: string, input: Parameters<CaseEngine['provideInput']>[1]): Promise<void> {
    return this.update(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(provideCitizenInput, { args: [input] }),
    );
  }

  revoke(caseId: string, revocation: Parameters<CaseEngine['revoke']>[1]): Promise<void> {
    return this.update(caseId, () =>
      this.client.workflow.getHandle(caseId).executeUpdate(revokePartnerTask, { args: [revocation] }),
    );
  }

  /** An Update the case refused becomes a CaseRefusal carrying the case's own code and message. */
  private async update(caseId: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure)
        throw new CaseRefusal(err.cause.type ?? 'CASE.REFUSED', err.cause.message);
      if (err instanceof WorkflowNotFoundError || (err as Error).message?.includes('already completed'))
        throw new CaseRefusal('CASE.CLOSED', `case ${caseId} has ended`);
      throw err;
    }
  }
}
