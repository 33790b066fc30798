import { caseErasureId, domainEventId, taskMessageId } from '@govmesh/contracts/case-ids';
import { DOMAIN_EVENTS, EVENT_SOURCES } from '@govmesh/contracts/domain-events';
import { TASK_REVOKED, type TaskRejectionData } from '@govmesh/contracts/task-messages';
import { EVENTS_TOPIC, taskTopic } from '@govmesh/contracts/topics';
import type { CloudEventPublisher } from '@govmesh/messaging';
import type { ErasureActivities } from '@govmesh/workflows/case-erasure';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import type { Logger } from 'pino';

// @temporalio/proto is CommonJS: its namespaces are reachable only through the default export.
const RUNNING = proto.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
/** gRPC NOT_FOUND: Temporal holds no such workflow (any more). */
const NOT_FOUND = 5;

export interface ErasureActivityDeps {
  readonly publisher: CloudEventPublisher;
  readonly workflowService: NativeConnection['workflowService'];
  readonly namespace: string;
  readonly logger: Logger;
}

const notFound = (err: unknown) => (err as { code?: number }).code === NOT_FOUND;

/** The worker's side of erasing a closed case (the erasure workflow orders the steps). */
export function createErasureActivities(deps: ErasureActivityDeps): ErasureActivities {
  const log = deps.logger.child({ component: 'case-erasure' });
  return {
    async checkCaseClosed({ caseId }) {
      try {
        const described = await deps.workflowService.describeWorkflowExecution({
          namespace: deps.namespace,
          execution: { workflowId: caseId },
        });
        if (described.workflowExecutionInfo?.status === RUNNING)
          throw ApplicationFailure.nonRetryable(
            `case ${caseId} is still running: it is erased only once it has closed`,
            'ERASURE.CASE_RUNNING',
          );
        return { historyHeld: true };
      } catch (err) {
        if (notFound(err)) return { historyHeld: false };
        throw err;
      }
    },

    async tellPartnersToDelete(order) {
      if (order.partnerTasks.length === 0) return;
      await deps.publisher.publishAll(
        order.partnerTasks.map((task) => {
          const data: TaskRejectionData = {
            taskId: task.taskId,
            attempt: task.attempt,
            code: 'CASE.ERASED',
            reasons: [
              `the case's personal data has been erased (${order.reason === 'retention' ? "the service's retention for closed cases ended" : 'an approved erasure request'}): delete this task's input and your output now`,
            ],
          };
          return {
            topic: taskTopic(task.partnerId),
            key: order.caseId,
            event: {
              id: taskMessageId(task.taskId, task.attempt, 'erased'),
              type: TASK_REVOKED,
              source: '/govmesh/dispatch',
              subject: order.caseId,
              data,
            },
          };
        }),
      );
    },

    async deleteCaseHistory({ caseId }) {
      try {
        await deps.workflowService.deleteWorkflowExecution({
          namespace: deps.namespace,
          workflowExecution: { workflowId: caseId },
        });
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    },

    async recordErasure(order) {
      const data = DOMAIN_EVENTS.caseErased.data.parse({
        correlationId: order.caseId,
        causationId: caseErasureId(order.caseId),
        basis: order.reason,
        ...(order.requestId ? { requestId: order.requestId } : {}),
        partnersTold: order.partnersTold,
      });
      await deps.publisher.publish(EVENTS_TOPIC, order.caseId, {
        // One erasure per case: a retried order writes the same id and the ledger keeps one.
        id: domainEventId({ caseId: order.caseId, kind: 'caseErased', sequence: 0 }),
        type: DOMAIN_EVENTS.caseErased.type,
        source: EVENT_SOURCES.worker,
        subject: order.caseId,
        data,
      });
      log.info(
        { caseId: order.caseId, reason: order.reason, partnersTold: order.partnersTold.length },
        'case personal data erased',
      );
    },
  };
}
