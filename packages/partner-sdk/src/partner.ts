import { parseTaskId } from '@govmesh/contracts/case-ids';
import { randomUUID } from 'node:crypto';

import {
  TASK_ASSIGNED,
  TASK_RESULT,
  TASK_REVOKED,
  TaskTopicMessage,
  type TaskAssignedData,
  type TaskRejectionData,
  type TaskResultData,
} from '@govmesh/contracts/task-messages';
import type { JsonSchema } from '@govmesh/contracts/json-schema';
import { describeSchemaErrors, schemaErrors } from '@govmesh/contracts/schema-validator';
import { seedTaskTypes } from '@govmesh/contracts/standards';
import { resultTopic, taskTopic } from '@govmesh/contracts/topics';
import {
  CloudEventPublisher,
  FETCH_WAIT_MS,
  OffsetCommitter,
  createKafka,
  partnerGroup,
  personalData,
  processLogger,
  type KafkaTls,
  type PartnerKafkaAccess,
} from '@govmesh/messaging';
import { SpanKind, contextFromAttributes, ensureTracePropagation, inSpan } from '@govmesh/telemetry';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import { RememberedAnswers } from './remembered-answers.js';

export interface TaskContext {
  readonly task: TaskAssignedData;
  /** Fires when govmesh revokes the task (deadline passed, reassigned): stop working on it. */
  readonly signal: AbortSignal;
  /** The partner's logger for this task (its id, attempt and type on each line). */
  readonly logger: Logger;
  /**
   * How long after the case closes the partner may keep this task's input and its output (ISO 8601
   * days, `P30D`): the service's own retention. When that time comes govmesh sends a revocation with
   * code `CASE.ERASED` (`onErasure`): delete then. Absent from tasks sent before govmesh said it.
   */
  readonly retention?: string;
}

/** Does one task of one type; returns the output its contract asks for. */
export type TaskHandler = (input: Record<string, unknown>, context: TaskContext) => Promise<Record<string, unknown>>;

export interface PartnerOptions {
  readonly partnerId: string;
  /** What onboarding (or a rotation) answered: brokers, mechanism, user name and password. */
  readonly access?: PartnerKafkaAccess;
  /** Or the brokers of an open cluster, or a ready kafkajs client. */
  readonly brokers?: readonly string[];
  readonly kafka?: Kafka;
  /** TLS towards the brokers (the cluster's CA); by default the system's CAs when `access.tls` says so. */
  readonly tls?: KafkaTls;
  /** By task type with contract version: `{ 'background-check@1': async (input, ctx) => output }`. */
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  /**
   * The govmesh API whose contract registry the partner reads its task types from at start
   * (`http://127.0.0.1:17280`). Without it, the seed catalogue shipped with this package is used,
   * which knows only the task types govmesh first shipped.
   */
  readonly registryUrl?: string;
  /**
   * By default `partnerLogger()`, which redacts what the contracts mark personal. A logger of your
   * own logs what it is given: pass `formatters: { log: personalData.formatLog }` to pino to redact.
   */
  readonly logger?: Logger;
  /** Called for every result govmesh refused, with its code and reasons. */
  readonly onRejection?: (rejection: TaskRejectionData) => void;
  /** Called when govmesh takes a task back. */
  readonly onRevocation?: (revocation: TaskRejectionData) => void;
  /**
   * Called when govmesh has erased the task's case (its retention ended, or an erasure request was
   * approved): the partner must delete what it keeps of the task (its input and its output) now.
   */
  readonly onErasure?: (erasure: { readonly taskId: string; readonly attempt?: number }) => void | Promise<void>;
  /** How long `stop` waits for handlers to finish after aborting them (5 s). */
  readonly stopGraceMs?: number;
  /**
   * Where the partner's metrics go (tasks in flight, handler latency by task type and outcome), for
   * the partner to serve on its own `/metrics`; a registry of its own (`partner.metrics`) when absent.
   */
  readonly metrics?: Registry;
}

export interface Partner {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes a result by hand (a correction after a rejection, say). */
  publishResult(result: TaskResultData): Promise<void>;
  /** Results govmesh refused, in the order they came. */
  readonly rejections: readonly TaskRejectionData[];
  /** The partner's Prometheus metrics (`govmesh_partner_*`). */
  readonly metrics: Registry;
}

function partnerMetrics(registry: Registry) {
  return {
    registry,
    deliveredAgain: new Counter({
      name: 'govmesh_partner_tasks_delivered_again_total',
      help: 'Tasks delivered again (same task id and attempt), by how they were handled: in-hand (the answer is on its way) or answered-again (the same answer sent again); neither is done twice',
      labelNames: ['handled'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'govmesh_partner_tasks_in_flight',
      help: 'Tasks the partner is working on now',
      registers: [registry],
    }),
    handlerSeconds: new Histogram({
      name: 'govmesh_partner_handler_seconds',
      help: "Time the partner's handler took per task, by task type and outcome (completed, failed, revoked)",
      labelNames: ['task_type', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers: [registry],
    }),
  };
}

/**
 * The partner's logger when it is given none: pino JSON on stdout (or appended to the file
 * `destination`), trace ids on each line, and every field a contract marks personal or sensitive
 * (`x-govmesh-classification`) replaced by its class wherever it appears in a logged object: in the
 * SDK's own lines and in those a handler writes through `context.logger`. It knows the fields of
 * the forms and task types govmesh ships, and those of each task type the partner reads from the
 * registry (`registryUrl`).
 * Written synchronously, as govmesh's processes write theirs, so a line is not lost at a crash.
 */
export function partnerLogger(
  options: { readonly level?: string; readonly destination?: string | number } = {},
): Logger {
  return processLogger('govmesh-partner', options.level ?? 'info', options.destination);
}

/**
 * A partner of govmesh: subscribes to its task topic, validates each task's input against the
 * contract, runs the handler with an abort signal that fires on revocation, and publishes the
 * result on its own result topic.
 */
export function createPartner(options: PartnerOptions): Partner {
  const logger = (options.logger ?? partnerLogger()).child({
    partnerId: options.partnerId,
  });
  const { access } = options;
  const brokers = access?.brokers ?? options.brokers ?? [];
  const tls = options.tls ?? (access?.tls ? {} : undefined);
  const kafka =
    options.kafka ??
    createKafka({ clientId: `partner-${options.partnerId}`, brokers, logger, credentials: access, tls });
  // The group the partner's ACLs allow: its own, so no other partner can join it.
  const consumer = kafka.consumer({
    groupId: partnerGroup(options.partnerId),
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: FETCH_WAIT_MS,
  });
  const publisher = new CloudEventPublisher(kafka);
  const committer = new OffsetCommitter(consumer, logger);
  // The input schema of each task type handled, by `name@major`: the seed's until start() reads the registry's.
  const inputSchemas = new Map<string, JsonSchema>(seedTaskTypes().map((t) => [`${t.name}@${t.major}`, t.input]));
  const running = new Map<string, AbortController>();
  const answered = new RememberedAnswers();
  const inFlight = new Set<Promise<void>>();
  /** Work that ends in an answer runs beside the consumer; a stop waits for it (up to a grace). */
  const answerBeside = (answering: Promise<void>) => {
    const job = answering.catch((err: unknown) => logger.error({ err }, 'could not publish a result'));
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };
  const rejections: TaskRejectionData[] = [];
  // Tasks arrive with the case's trace context, and results leave with the partner's span.
  ensureTracePropagation();
  const metrics = partnerMetrics(options.metrics ?? new Registry());

  async function publishResult(result: TaskResultData): Promise<void> {
    // Keyed by case, so a case's results stay in order; a malformed id is the bridge's to refuse.
    const caseId = parseTaskId(result.taskId)?.caseId ?? result.taskId;
    await publisher.publish(resultTopic(options.partnerId), caseId, {
      id: randomUUID(),
      type: TASK_RESULT,
      source: `/partners/${options.partnerId}`,
      subject: caseId,
      data: result,
    });
  }

  async function work(task: TaskAssignedData, retention: string | undefined): Promise<void> {
    const key = taskKey(task);
    // Remembered once the answer is on the result topic, to be sent again if the task is.
    const answer = async (result: TaskResultData) => {
      await publishResult(result);
      answered.remember(key, result);
    };
    const controller = new AbortController();
    running.set(key, controller);
    const taskLog = logger.child({ taskId: task.taskId, attempt: task.attempt, taskType: task.taskType });
    metrics.inFlight.inc();
    const timer = metrics.handlerSeconds.startTimer({ task_type: task.taskType });
    let outcome = 'failed';
    try {
      const handler = options.handlers[task.taskType];
      if (!handler) {
        await answer({
          taskId: task.taskId,
          attempt: task.attempt,
          outcome: 'failed',
          reason: `${options.partnerId} has no handler for ${task.taskType}`,
        });
        return;
      }
      const schema = inputSchemas.get(task.taskType);
      const problems = schema ? schemaErrors(schema, task.input) : [];
      if (problems.length) {
        await answer({
          taskId: task.taskId,
          attempt: task.attempt,
          outcome: 'failed',
          reason: `the task input does not match ${task.taskType}: ${describeSchemaErrors(problems, 'input').join('; ')}`,
        });
        return;
      }
      const output = await handler(task.input, {
        task,
        signal: controller.signal,
        logger: taskLog,
        ...(retention ? { retention } : {}),
      });
      if (controller.signal.aborted) {
        outcome = 'revoked';
        return;
      }
      outcome = 'completed';
      await answer({ taskId: task.taskId, attempt: task.attempt, outcome: 'completed', output });
    } catch (err) {
      if (controller.signal.aborted) {
        outcome = 'revoked';
        return;
      }
      taskLog.warn({ err }, 'task failed');
      await answer({
        taskId: task.taskId,
        attempt: task.attempt,
        outcome: 'failed',
        reason: (err as Error).message || 'the partner could not do the task',
      });
    } finally {
      running.delete(key);
      metrics.inFlight.dec();
      timer({ outcome });
    }
  }

  return {
    rejections,
    metrics: metrics.registry,
    publishResult,
    async start() {
      if (options.registryUrl) {
        for (const [ref, contract] of await fetchContracts(options.registryUrl, Object.keys(options.handlers))) {
          inputSchemas.set(ref, contract.input);
          // What the contract marks personal is redacted from the lines of this process's loggers
          // that redact by classification (partnerLogger, govmesh's own), the handlers' included.
          personalData.learn(contract.input);
          if (contract.output) personalData.learn(contract.output);
        }
        logger.info({ taskTypes: Object.keys(options.handlers) }, 'task type contracts read from the registry');
      }
      try {
        await consumer.connect();
      } catch (err) {
        if (err instanceof Error && err.name === 'KafkaJSSASLAuthenticationError') {
          throw new PartnerAccessRefused(options.partnerId, brokers, access?.username, err);
        }
        throw err;
      }
      await consumer.subscribe({ topics: [taskTopic(options.partnerId)], fromBeginning: true });
      committer.start();
      await consumer.run({
        // Read offsets are committed once a second, not after every batch (OffsetCommitter). A task
        // read again after a crash has its task id and attempt, and a second result is refused as
        // TASK.DUPLICATE_RESULT, as before.
        autoCommit: false,
        eachMessage: ({ topic, partition, message }) =>
          committer.handle(topic, partition, message.offset, () => take(message)),
      });
      function take(message: KafkaMessage): Promise<void> {
        const parsed = TaskTopicMessage.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
        if (!parsed.success) {
          logger.error({ issues: parsed.error.issues }, 'a message on the task topic does not match the contract');
          return Promise.resolve();
        }
        const event = parsed.data;
        if (event.type === TASK_ASSIGNED) {
          // Work runs beside the consumer, so a revocation can arrive while a task is in hand. It
          // continues the case's trace (the event's traceparent), and so does the result it sends.
          const task = event.data;
          const key = taskKey(task);
          if (running.has(key)) {
            metrics.deliveredAgain.inc({ handled: 'in-hand' });
            logger.info({ taskId: task.taskId, attempt: task.attempt }, 'task delivered again while in hand');
            return Promise.resolve();
          }
          const earlier = answered.get(key);
          if (earlier) {
            // Sent again, not ignored: the case may never have taken the first answer (its dispatch
            // ran again because the server lost the workflow task that ran it, and the answer was
            // refused as TASK.UNKNOWN). A case that did take it refuses this one as a duplicate.
            metrics.deliveredAgain.inc({ handled: 'answered-again' });
            logger.info(
              { taskId: task.taskId, attempt: task.attempt },
              'task delivered again: the same answer sent again',
            );
            answerBeside(publishResult(earlier));
            return Promise.resolve();
          }
          answerBeside(
            inSpan(
              `partner task ${task.taskType}`,
              {
                parent: contextFromAttributes(event),
                kind: SpanKind.CONSUMER,
                attributes: {
                  'govmesh.partner.id': options.partnerId,
                  'govmesh.task.id': task.taskId,
                  'govmesh.task.type': task.taskType,
                  'govmesh.task.attempt': task.attempt,
                },
              },
              () => work(task, event.retention),
            ),
          );
        } else if (event.type === TASK_REVOKED && event.data.code === 'CASE.ERASED') {
          // Not a revocation of work in hand: the case is closed and its data erased at govmesh.
          logger.info({ taskId: event.data.taskId }, "the task's case was erased: delete its data");
          options.onRevocation?.(event.data);
          return Promise.resolve(
            options.onErasure?.({
              taskId: event.data.taskId,
              ...(event.data.attempt !== undefined ? { attempt: event.data.attempt } : {}),
            }),
          ).catch((err: unknown) => logger.error({ err }, 'the erasure handler failed'));
        } else if (event.type === TASK_REVOKED) {
          running.get(taskKey(event.data))?.abort(event.data.code);
          logger.warn({ taskId: event.data.taskId, code: event.data.code }, 'task revoked');
          options.onRevocation?.(event.data);
        } else {
          rejections.push(event.data);
          logger.warn(
            { taskId: event.data.taskId, code: event.data.code, reasons: event.data.reasons },
            'result rejected',
          );
          options.onRejection?.(event.data);
        }
        return Promise.resolve();
      }
    },
    async stop() {
      for (const controller of running.values()) controller.abort('stopping');
      await committer.drain();
      await consumer.disconnect();
      // A handler that ignores its abort signal must not keep the partner from stopping.
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((r) => setTimeout(r, options.stopGraceMs ?? 5_000).unref()),
      ]);
      await publisher.close();
    },
  };
}

/** A task's identity to its partner: the task and the attempt (a rework or a reassignment is a new attempt). */
const taskKey = (task: { readonly taskId: string; readonly attempt?: number }) => `${task.taskId}/${task.attempt}`;

/** The latest published input and output schemas of each task type, from the API's contract registry. */
async function fetchContracts(
  registryUrl: string,
  refs: readonly string[],
): Promise<Array<[string, { input: JsonSchema; output?: JsonSchema }]>> {
  return Promise.all(
    refs.map(async (ref): Promise<[string, { input: JsonSchema; output?: JsonSchema }]> => {
      const at = ref.lastIndexOf('@');
      const url = new URL(`/v1/task-types/${ref.slice(0, at)}/${ref.slice(at + 1)}`, registryUrl);
      let response: Response;
      try {
        response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        throw new ContractsUnavailable(ref, url, (err as Error).message);
      }
      if (!response.ok) throw new ContractsUnavailable(ref, url, `HTTP ${response.status}`);
      const body = (await response.json()) as { input?: JsonSchema; output?: JsonSchema };
      if (!body.input) throw new ContractsUnavailable(ref, url, 'the answer has no input schema');
      return [ref, { input: body.input, ...(body.output ? { output: body.output } : {}) }];
    }),
  );
}

/** The partner handles a task type the registry could not tell it about. Retriable: the API may be starting. */
export class ContractsUnavailable extends Error {
  override readonly name = 'ContractsUnavailable';
  readonly code = 'PARTNER.CONTRACTS_UNAVAILABLE';
  readonly retriable = true;
  constructor(ref: string, url: URL, why: string) {
    super(`could not read the contract of ${ref} from the registry at ${url.href}: ${why}`);
  }
}

/**
 * The broker refused the partner's credentials: a wrong or rotated password, or a terminated
 * partner. Not retriable: a retry storm would not change the answer.
 */
export class PartnerAccessRefused extends Error {
  override readonly name = 'PartnerAccessRefused';
  readonly code = 'PARTNER.ACCESS_REFUSED';
  readonly retriable = false;
  constructor(
    readonly partnerId: string,
    readonly brokers: readonly string[],
    username: string | undefined,
    cause: Error,
  ) {
    super(
      `Kafka at ${brokers.join(',')} refused partner ${partnerId}${username ? ` (user ${username})` : ' (no credentials given)'}: ${cause.message}. ` +
        'Use the credentials onboarding answered, or ask the agency for new ones (govmesh partner credentials rotate).',
      { cause },
    );
  }
}
