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
import { SpanKind, contextFromAttributes, inSpan } from '@govmesh/telemetry';
import { CaseClosed, CaseRefused, UnknownCaseDataKey, type CaseClient } from '@govmesh/case-client';
import { eventIdFromMessage, messageId, parseTaskId } from '@govmesh/contracts/case-ids';

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
  readonly cases: Pick<CaseClient, 'submitResult'>;
  readonly publisher: Pick<CloudEventPublisher, 'publish'>;
  readonly now?: () => Date;
}

const SOURCE = EVENT_SOURCES.bridge;

/**
 * Hands one result to its case, or rejects it with a code and reasons the partner receives.
 * Throws only for failures worth retrying (Temporal or Kafka unreachable), and when `signal`
 * aborts the hand-over: the caller then leaves the offset uncommitted, so nothing is lost.
 */
export async function handleResultMessage(
  message: ResultMessage,
  deps: ResultHandlingDeps,
  signal?: AbortSignal,
): Promise<ResultOutcome> {
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
  // The partner's span (the message's traceparent) is the parent: the trace goes on into the case.
  const parent = contextFromAttributes(json);
  return inSpan(
    'bridge hand-over',
    {
      parent,
      kind: SpanKind.CONSUMER,
      attributes: { 'govmesh.partner.id': message.partnerId, 'messaging.destination.name': message.topic },
    },
    async (span) => {
      const outcome = await handOver();
      span.setAttribute('govmesh.result.outcome', outcome.accepted ? 'accepted' : outcome.code);
      return outcome;
    },
  );

  async function handOver(): Promise<ResultOutcome> {
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
    const parsed = parseTaskId(result.taskId);
    if (!parsed)
      return reject('TASK.UNKNOWN', [`task ${result.taskId} is not a govmesh task`], result.taskId, result.attempt);

    try {
      await deps.cases.submitResult(
        parsed.caseId,
        {
          partnerId: message.partnerId,
          result,
          ...(result.outcome === 'completed' ? { outputDigest: digestOf(result.output) } : {}),
        },
        // The same message delivered twice is applied once.
        `${message.partnerId}/${envelope.data.id}`,
        signal,
      );
      return { accepted: true, caseId: parsed.caseId };
    } catch (err) {
      if (err instanceof CaseRefused) {
        if (err.rejectionCode) return reject(err.rejectionCode, [...err.reasons], result.taskId, result.attempt);
        // A code the wire contract has no name for: the partner cannot be told, so the message goes to
        // the dead-letter topic with the reason (nothing lost, and the partition moves on).
        await publishDeadLetter(message, deps, [
          `case ${parsed.caseId} refused the result with ${err.code}: ${err.message}`,
        ]);
        return { accepted: false, code: 'TASK.NOT_ASSIGNED', reasons: [err.message] };
      }
      if (err instanceof CaseClosed)
        return reject(
          'TASK.NOT_ASSIGNED',
          [`case ${parsed.caseId} is not open for results`],
          result.taskId,
          result.attempt,
        );
      // The case's data is sealed with a key this process does not hold: no retry can succeed until
      // an operator gives it the key, and retrying would hold up every other result on the
      // partition (the consumer stopped). The message goes to the dead-letter topic with the reason,
      // to be replayed once the key is given; the partner is not blamed.
      const unknownKey = unknownKeyIn(err);
      if (unknownKey) {
        await publishDeadLetter(message, deps, [`case ${parsed.caseId} could not be read: ${unknownKey.message}`]);
        return { accepted: false, code: 'TASK.NOT_ASSIGNED', reasons: [unknownKey.message] };
      }
      // Unreachable (its worker is down) or unexpected: the message is retried later, nothing is lost,
      // and the log says which case holds the partition up.
      throw err;
    }
  }
}

/** The unknown-key failure in an error or its causes (the Temporal client wraps what the codec threw). */
function unknownKeyIn(err: unknown): UnknownCaseDataKey | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1)
    if (e instanceof UnknownCaseDataKey) return e;
  return undefined;
}

async function publishRejection(
  message: ResultMessage,
  deps: ResultHandlingDeps,
  data: TaskRejectionData,
): Promise<void> {
  const caseId = parseTaskId(data.taskId)?.caseId ?? `partner:${message.partnerId}`;
  await deps.publisher.publish(taskTopic(message.partnerId), caseId, {
    id: eventIdFromMessage(message, 'rejected'),
    type: TASK_REJECTED,
    source: SOURCE,
    subject: caseId,
    data,
  });
  await deps.publisher.publish(EVENTS_TOPIC, caseId, {
    id: eventIdFromMessage(message, 'resultRejected'),
    type: DOMAIN_EVENTS.resultRejected.type,
    source: SOURCE,
    subject: caseId,
    data: DOMAIN_EVENTS.resultRejected.data.parse({
      correlationId: caseId,
      causationId: messageId(message),
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
  await deps.publisher.publish(DEAD_LETTER_TOPIC, message.topic, {
    id: eventIdFromMessage(message, 'dead-letter'),
    type: DEAD_LETTER,
    source: SOURCE,
    subject: message.topic,
    data,
  });
}
