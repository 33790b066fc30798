import { z } from 'zod';

import { Rfc3339, cloudEvent } from './cloud-event.js';
import { TaskTypeRef } from './task-type-ref.js';

/** Message types on a partner's task and result topics. */
export const TASK_ASSIGNED = 'gov.govmesh.task.assigned.v1';
export const TASK_REVOKED = 'gov.govmesh.task.revoked.v1';
export const TASK_RESULT = 'gov.govmesh.task.result.v1';
export const TASK_REJECTED = 'gov.govmesh.task.rejected.v1';

const TaskId = z.string().min(1).max(200);
const Attempt = z.number().int().min(1);

/** `data` of `task.assigned`: what a partner is asked to do, and only what it may see. */
export const TaskAssignedData = z.object({
  taskId: TaskId,
  caseId: z.string().min(1),
  stepId: z.string().min(1),
  taskType: TaskTypeRef,
  /** 1 for the first partner; each reassignment or retry of the step counts up. */
  attempt: Attempt,
  /** The partner's result must arrive before this instant. */
  deadline: Rfc3339,
  /** The application fields the step's `share` list allows, nothing else (data minimization). */
  input: z.record(z.string(), z.unknown()),
  /** Present when an officer sent the partner's earlier result back: what to correct. */
  rework: z.object({ previousAttempt: Attempt, reasons: z.array(z.string().min(1)).min(1) }).optional(),
});
export type TaskAssignedData = z.infer<typeof TaskAssignedData>;

/** `data` of `task.result`: what a partner sends. Its author is the topic it came on. */
export const TaskResultData = z.discriminatedUnion('outcome', [
  z.object({
    taskId: TaskId,
    attempt: Attempt,
    outcome: z.literal('completed'),
    /** Must match the output schema of the task type's contract. */
    output: z.record(z.string(), z.unknown()),
  }),
  z.object({
    taskId: TaskId,
    attempt: Attempt,
    outcome: z.literal('failed'),
    reason: z.string().min(1).max(2000),
  }),
]);
export type TaskResultData = z.infer<typeof TaskResultData>;

/** Why a task was taken back from a partner, or why its result was refused. */
export const RejectionCode = z.enum([
  'TASK.REVOKED',
  'TASK.DEADLINE_PASSED',
  'TASK.NOT_ASSIGNED',
  'TASK.UNKNOWN',
  'TASK.DUPLICATE_RESULT',
  'CONTRACT.INVALID_ENVELOPE',
  'CONTRACT.INVALID_OUTPUT',
  'PARTNER.SUSPENDED',
  /** The case's personal data has been erased by govmesh: delete the task's input and output now. */
  'CASE.ERASED',
  /** The case ended before the task did (the applicant withdrew, or another step failed): stop the work. */
  'CASE.CLOSED',
]);
export type RejectionCode = z.infer<typeof RejectionCode>;

/** `data` of `task.revoked` and `task.rejected`. */
export const TaskRejectionData = z.object({
  taskId: TaskId,
  attempt: Attempt.optional(),
  code: RejectionCode,
  /** Human-readable, one per problem (for invalid output: the zod issue path and rule). */
  reasons: z.array(z.string().min(1)).min(1),
});
export type TaskRejectionData = z.infer<typeof TaskRejectionData>;

export const TaskAssigned = cloudEvent(TASK_ASSIGNED, TaskAssignedData);
export type TaskAssigned = z.infer<typeof TaskAssigned>;
export const TaskRevoked = cloudEvent(TASK_REVOKED, TaskRejectionData);
export type TaskRevoked = z.infer<typeof TaskRevoked>;
export const TaskResult = cloudEvent(TASK_RESULT, TaskResultData);
export type TaskResult = z.infer<typeof TaskResult>;
export const TaskRejected = cloudEvent(TASK_REJECTED, TaskRejectionData);
export type TaskRejected = z.infer<typeof TaskRejected>;

/** Anything govmesh may put on a partner's task topic. */
export const TaskTopicMessage = z.discriminatedUnion('type', [TaskAssigned, TaskRevoked, TaskRejected]);
export type TaskTopicMessage = z.infer<typeof TaskTopicMessage>;
