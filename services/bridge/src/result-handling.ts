import { DOMAIN_EVENTS, EVENT_SOURCES } from '@govmesh/contracts/domain-events';
import { DEAD_LETTER, type DeadLetterData } from '@govmesh/contracts/dead-letter';
import {
  TASK_REJECTED,
  TaskResult,
  type RejectionCode,
  type TaskRejectionData,
} from '@govmesh/contracts/task-messages';
import { DEAD_LETTER_TOPIC, EVENTS_TOPIC, taskTopic } from '@govmesh/contracts/topics';
import { digestOf, type CloudEventPublisher } from '@govmesh/messaging';
import { submitTaskResult } from '@govmesh/workflows/case-api';
import { ApplicationFailure, type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

/** Where a result message came from; the partner is the topic's, never the payload's. */
export interface ResultMessage {
  readonly partnerId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly value: Buffer | null;
}

export type ResultOutcome =
  | { readonly accepted: true; readonly caseId: string }
  | { readonly accepted: false; readonly code: RejectionCode; readonly reasons: readonly string[] };

export interface ResultHandlingDeps {
  readonly client: Client;
  readonly publisher: CloudEventPublisher;
  readonly now?: () => Date;
  /** How long a case may take to accept a result before the message is retried (30 s). */
  readonly updateTimeoutMs?: number;
}

const SOURCE = EVENT_SOURCES.bridge;
const CASE_CLOSED = /already completed|not found/i;

/**
 * Hands one result to its case, or rejects it with a code and reasons the partner receives.
 * Throws only for failures worth retrying (Temporal or Kafka unreachable): the caller then
 * leaves the offset uncommitted, so nothing is lost.
 */
export async function handleResultMessage(message: ResultMessage, deps: ResultHandlingDeps): Promise<ResultOutcome> {
  const reject = async (
    code: RejectionCode,
    reasons: string[],
    taskId: string,
    attempt?: number,
  ): Promise<ResultOutcome> => {
    await publishRejection(message, deps, { taskId, code, reasons, ...(attempt ? { attempt } : {}) });
    return { accepted: false, code, reasons };
  };

  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch (err) {
    const reasons = [`the message is not JSON: ${(err as Error).message}`];
    await publishDeadLetter(message, deps, reasons);
    return reject('CONTRACT.INVALID_ENVELOPE', reasons, '(unparseable)');
  }
  const envelope = TaskResult.safeParse(json);
  if (!envelope.success) {
    const data = (json as { data?: { taskId?: unknown; attempt?: unknown } } | null)?.data;
    const reasons = envelope.error.issues.map((i) => `${i.path.map(String).join('.') || '(message)'}: ${i.message}`);
    const attempt = typeof data?.attempt === 'number' && data.attempt >= 1 ? data.attempt : undefined;
    return reject(
      'CONTRACT.INVALID_ENVELOPE',
      reasons,
      typeof data?.taskId === 'string' && data.taskId ? data.taskId : '(unknown)',
      attempt,
    );
  }
  const result = envelope.data.data;
  const caseId = result.taskId.includes(':') ? result.taskId.slice(0, result.taskId.lastIndexOf(':')) : undefined;
  if (!caseId)
    return reject('TASK.UNKNOWN', [`task ${result.taskId} is not a govmesh task`], result.taskId, result.attempt);

  try {
    // A case whose worker is down cannot take the result; after a while the message is retried
    // (nothing is lost), and the log says which case is holding the partition up.
    await deps.client
      .withDeadline(Date.now() + (deps.updateTimeoutMs ?? 30_000), () =>
        deps.client.workflow.getHandle(caseId).executeUpdate(submitTaskResult, {
          args: [
            {
              partnerId: message.partnerId,
              result,
              ...(result.outcome === 'completed' ? { outputDigest: digestOf(result.output) } : {}),
            },
          ],
          // The same message delivered twice is applied once.
          updateId: `${message.partnerId}/${envelope.data.id}`,
        }),
      )
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 4 || /deadline/i.test((err as Error).message)) {
          throw new Error(
            `case ${caseId} did not take the result within ${(deps.updateTimeoutMs ?? 30_000) / 1000} s (is its worker running?); it will be retried`,
            { cause: err },
          );
        }
        throw err;
      });
    return { accepted: true, caseId };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const details = err.cause.details?.[0];
      const reasons = Array.isArray(details) ? details.map(String) : [err.cause.message];
      return reject(err.cause.type as RejectionCode, reasons, result.taskId, result.attempt);
    }
    if (err instanceof WorkflowNotFoundError || (err instanceof Error && CASE_CLOSED.test(err.message))) {
      return reject('TASK.NOT_ASSIGNED', [`case ${caseId} is not open for results`], result.taskId, result.attempt);
    }
    throw err;
  }
}

async function publishRejection(
  message: ResultMessage,
  deps: ResultHandlingDeps,
  data: TaskRejectionData,
): Promise<void> {
  const id = `${message.topic}/${message.partition}/${message.offset}`;
  const caseId = data.taskId.includes(':')
    ? data.taskId.slice(0, data.taskId.lastIndexOf(':'))
    : `partner:${message.partnerId}`;
  await deps.publisher.publish(taskTopic(message.partnerId), caseId, {
    id: `${id}/rejected`,
    type: TASK_REJECTED,
    source: SOURCE,
    subject: caseId,
    data,
  });
  await deps.publisher.publish(EVENTS_TOPIC, caseId, {
    id: `${id}/resultRejected`,
    type: DOMAIN_EVENTS.resultRejected.type,
    source: SOURCE,
    subject: caseId,
    data: DOMAIN_EVENTS.resultRejected.data.parse({
      correlationId: caseId,
      causationId: id,
      partnerId: message.partnerId,
      ...data,
    }),
  });
}

async function publishDeadLetter(message: ResultMessage, deps: ResultHandlingDeps, reasons: string[]): Promise<void> {
  const data: DeadLetterData = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    receivedAt: (deps.now?.() ?? new Date()).toISOString(),
    reasons,
    valueBase64: (message.value ?? Buffer.alloc(0)).toString('base64'),
  };
  const id = `${message.topic}/${message.partition}/${message.offset}`;
  await deps.publisher.publish(DEAD_LETTER_TOPIC, message.topic, {
    id: `${id}/dead-letter`,
    type: DEAD_LETTER,
    source: SOURCE,
    subject: message.topic,
    data,
  });
}
