import { CompleteAsyncError, activityInfo } from '@temporalio/activity';

/** `dispatched` tells the bench's stand-in partner that it may answer. */
export function createPartnerStepActivities(dispatched: (taskId: string, activityId: string, workflowId: string) => void) {
  return {
    publishTask(taskId: string): Promise<void> {
      const info = activityInfo();
      dispatched(taskId, info.activityId, info.workflowExecution?.workflowId ?? '');
      return Promise.resolve();
    },
    awaitPartner(taskId: string): Promise<string> {
      const info = activityInfo();
      dispatched(taskId, info.activityId, info.workflowExecution?.workflowId ?? '');
      throw new CompleteAsyncError();
    },
  };
}

export type PartnerStepActivities = ReturnType<typeof createPartnerStepActivities>;
