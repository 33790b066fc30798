import { domainEventId } from '@govmesh/contracts/case-ids';
import type { Deadline, ServiceDefinition, Step } from '@govmesh/contracts/service-definition';
import type { TaskResultData } from '@govmesh/contracts/task-messages';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { ApplicationFailure } from '@temporalio/common';
import { fileURLToPath } from 'node:url';

import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

import {
  caseStateQuery,
  claimOfficerTask,
  decideOfficerTask,
  provideCitizenInput,
  revokePartnerTask,
  submitTaskResult,
  type CaseState,
  type OfficerDecisionKind,
  type OfficerTaskHold,
  type ServiceCaseInput,
} from '../case-api.js';
import {
  type CaseActivities,
  type DispatchRequest,
  type DomainEventRecord,
  type RegistryLookupActivity,
  REGISTRY_LOOKUP_ACTIVITY,
  type RevokeRequest,
  type StatutoryClockReading,
} from '../case-activities.js';
import { SHARED_WORKFLOW_MODULES } from '../bundling.js';
import { updatesSentAgainWhileBusy } from '../busy-cases.js';
import { agencyTaskQueue } from '../task-queues.js';

/**
 * The service-case workflow on a real Temporal server with its activities stubbed: what the
 * workflow tests and the recorder of committed histories drive. Deadlines come from the stubs
 * (`dueInMs`, `partnerDeadlineMs`), so a test sees escalation and reassignment in seconds without
 * a time-skipping server. Everything a case asked of its activities is kept for assertions.
 */
export interface CaseHarnessOptions {
  readonly address: string;
  readonly namespace?: string;
  /** The workflow code: a bundle (tests build one per file) or a path (the recorder, old commits). */
  readonly workflows: { readonly bundle: WorkflowBundleWithSourceMap } | { readonly path: string };
  /** Distinguishes this harness's task queues and agencies from anything else on the server. */
  readonly suffix: string;
  /** Partners per task type, in the order selection offers them. */
  readonly partners?: Readonly<Record<string, readonly string[]>>;
  /** Milliseconds a partner has before its deadline passes. */
  readonly partnerDeadlineMs?: number;
  /** Milliseconds an officer or a citizen has before the deadline passes. */
  readonly dueInMs?: number;
  /** Milliseconds from a case's start to its statutory deadline (a day when not given). */
  readonly statutoryMs?: number;
  /** What a registry answers to a look-up. */
  readonly registryRecord?: Record<string, unknown>;
  /** The provider refuses every look-up, with this code and reason. */
  readonly registryRefuses?: { readonly code: string; readonly reason: string };
  /** Agencies (as the definition names them) whose systems are down: nobody polls their task queue. */
  readonly agenciesDown?: readonly string[];
  /**
   * A partner so quick that it answers a task (here, that it could not do it) while the dispatch
   * that chose it is still returning to the case: the result reaches the case first. With
   * 'after-a-heartbeat' the dispatch returns only after the worker has heartbeaten its workflow
   * task; with 'at-once' it returns at once (the answer races its return), as a query of the case
   * is asked.
   */
  readonly partnerAnswersWithinDispatch?: 'after-a-heartbeat' | 'at-once';
}

export interface CaseCalls {
  readonly events: DomainEventRecord[];
  readonly dispatches: DispatchRequest[];
  readonly revocations: RevokeRequest[];
  readonly lookups: unknown[];
  readonly agencyRuns: { agency: string; activity: string; stepId: string }[];
  /** What the case answered each result sent from within a dispatch: 'accepted' or the refusal's type. */
  readonly answersWithinDispatch: string[];
  /** How often a case refused an Update as busy (CASE.BUSY); each was sent again until taken. */
  busyRefusals: number;
  /** Every deadline the case asked the due date of, in order. */
  readonly dueDates: Deadline[];
  /** Each reading of the statutory clock: when it started, and after each pause. */
  readonly statutoryClocks: StatutoryClockReading[];
}

export interface CaseHarness {
  readonly client: Client;
  readonly calls: CaseCalls;
  readonly taskQueue: string;
  /** The definition with its agencies renamed to this harness's own (their task queues are global). */
  own(definition: ServiceDefinition): ServiceDefinition;
  start(caseId: string, definition: ServiceDefinition, application: Record<string, unknown>): Promise<WorkflowHandle>;
  until(handle: WorkflowHandle, what: string, holds: (s: CaseState) => boolean, timeoutMs?: number): Promise<CaseState>;
  untilStep(handle: WorkflowHandle, stepId: string, status: string, timeoutMs?: number): Promise<CaseState>;
  /** Answers the step's open partner task as its partner would. */
  answer(handle: WorkflowHandle, stepId: string, output: Record<string, unknown>): Promise<void>;
  /** The step's partner reports that it could not do the work. */
  fail(handle: WorkflowHandle, stepId: string, reason: string): Promise<void>;
  decide(
    handle: WorkflowHandle,
    stepId: string,
    decision: OfficerDecisionKind,
    extra?: {
      output?: Record<string, unknown>;
      reasons?: string[];
      role?: string;
      officerId?: string;
      version?: number;
    },
  ): Promise<void>;
  /** An officer claims (or releases) the step's officer task; answers who holds it and its version. */
  claim(
    handle: WorkflowHandle,
    stepId: string,
    officerId: string,
    extra?: { action?: 'claim' | 'release'; version?: number },
  ): Promise<OfficerTaskHold>;
  provide(handle: WorkflowHandle, stepId: string, values: Record<string, unknown>): Promise<void>;
  revoke(handle: WorkflowHandle, stepId: string, reason: string): Promise<void>;
  /** The case's history as Temporal's JSON, the form `Worker.runReplayHistories` reads back. */
  history(handle: WorkflowHandle): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The current workflow code, bundled once for a test file, with the SDK's runtime installed
 * quietly (errors only) for this process.
 */
/**
 * The workflow interceptors the production worker runs cases with (they carry the case's trace to
 * its activities): tests bundle, run and replay cases with the same.
 */
const TRACE_PROPAGATION = fileURLToPath(new URL('../trace-propagation.ts', import.meta.url));

export async function bundleServiceCase(): Promise<WorkflowBundleWithSourceMap> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  return await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../service-case.workflow.ts', import.meta.url)),
    logger: new DefaultLogger('ERROR'),
    workflowInterceptorModules: [TRACE_PROPAGATION],
    preloadModules: [...SHARED_WORKFLOW_MODULES],
  });
}

const AGENCY_ACTIVITIES: Record<string, (application: Record<string, unknown>) => Record<string, unknown>> = {
  verifyIdentity: () => ({ verified: true }),
  schedulePayments: () => ({ scheduled: true }),
  // Compensations: what undoes a step when the case fails or is withdrawn.
  revokeVerification: () => ({ revoked: true }),
  cancelIncomeRecord: () => ({ cancelled: true }),
  refundFee: () => {
    throw ApplicationFailure.nonRetryable('the treasury refused: the account is closed', 'TREASURY.REFUSED');
  },
};

export async function startCaseHarness(options: CaseHarnessOptions): Promise<CaseHarness> {
  const namespace = options.namespace ?? 'default';
  const taskQueue = `workflow-test-${options.suffix}`;
  const calls: CaseCalls = {
    events: [],
    dispatches: [],
    revocations: [],
    lookups: [],
    agencyRuns: [],
    answersWithinDispatch: [],
    busyRefusals: 0,
    dueDates: [],
    statutoryClocks: [],
  };
  const offered = options.partners ?? {};
  const activities: CaseActivities = {
    selectPartner: ({ taskType, exclude, only }) =>
      Promise.resolve(
        (offered[taskType] ?? []).find((p) => !exclude.includes(p) && (!only || only.includes(p))) ?? null,
      ),
    dispatchTask: (request) => {
      calls.events.push(...(request.precedingEvents ?? []));
      // What the worker publishes in the same send: the dispatch's own event, numbered by the case.
      if (request.dispatchSequence !== undefined)
        calls.events.push({
          kind: 'taskDispatched',
          caseId: request.caseId,
          stepId: request.stepId,
          attempt: request.attempt,
          causationId: request.causationId,
          sequence: request.dispatchSequence,
          data: { taskId: request.taskId, partnerId: request.partnerId },
        });
      calls.dispatches.push(request);
      const inMs = options.partnerDeadlineMs ?? 3_600_000;
      return Promise.resolve({ deadline: new Date(Date.now() + inMs).toISOString(), deadlineInMs: inMs });
    },
    // As the worker does it: the selection above, then the dispatch above, or the events alone.
    dispatchToChosenPartner: async ({ selection, ...request }) => {
      const partnerId = await activities.selectPartner({ taskType: request.taskType, ...selection });
      if (!partnerId) {
        calls.events.push(...(request.precedingEvents ?? []));
        return { partnerId: null };
      }
      const receipt = await activities.dispatchTask({ ...request, partnerId });
      if (options.partnerAnswersWithinDispatch) {
        const result = { taskId: request.taskId, attempt: request.attempt, outcome: 'failed' as const, reason: 'busy' };
        void client.workflow
          .getHandle(request.caseId)
          // One id for the answer, however often it is sent, as the bridge gives it.
          .executeUpdate(submitTaskResult, {
            args: [{ partnerId, result }],
            updateId: `${partnerId}/${request.taskId}#${request.attempt}`,
          })
          .then(
            () => calls.answersWithinDispatch.push('accepted'),
            (err: unknown) =>
              calls.answersWithinDispatch.push((err as { cause?: { type?: string } }).cause?.type ?? String(err)),
          );
        // 'after-a-heartbeat': the dispatch returns only after the worker has heartbeaten the workflow
        // task (at 80 % of its 1 s timeout, below) and the server has handed the case the answer.
        if (options.partnerAnswersWithinDispatch === 'after-a-heartbeat')
          await new Promise((r) => setTimeout(r, 1_500));
        // 'at-once': and someone reads the case meanwhile (as the API's case view does).
        else
          void client.workflow
            .getHandle(request.caseId)
            .query(caseStateQuery)
            .catch(() => undefined);
      }
      return { partnerId, ...receipt };
    },
    revokeTask: (request) => {
      calls.revocations.push(request);
      return Promise.resolve();
    },
    recordDomainEvent: (event) => {
      calls.events.push(event);
      return Promise.resolve(domainEventId(event));
    },
    recordDomainEvents: (events) => {
      calls.events.push(...events);
      return Promise.resolve();
    },
    computeDueDate: ({ deadline }) => {
      calls.dueDates.push(deadline);
      const inMs = options.dueInMs ?? 3_600_000;
      return Promise.resolve({ due: new Date(Date.now() + inMs).toISOString(), inMs });
    },
    statutoryClock: ({ warningAt, paused }) => {
      // Counted by the clock, in milliseconds (`statutoryMs`), so a test sees a breach in seconds.
      const now = Date.now();
      const inMs = options.statutoryMs ?? 86_400_000;
      const reading = paused
        ? {
            due: new Date(Date.parse(paused.due) + now - Date.parse(paused.from)).toISOString(),
            warnAt: new Date(Date.parse(paused.warnAt) + now - Date.parse(paused.from)).toISOString(),
            pausedSeconds: Math.round((now - Date.parse(paused.from)) / 1000),
          }
        : {
            due: new Date(now + inMs).toISOString(),
            warnAt: new Date(now + Math.round(inMs * warningAt)).toISOString(),
          };
      calls.statutoryClocks.push(reading);
      return Promise.resolve(reading);
    },
    performLookup: (request) => {
      calls.lookups.push(request);
      return Promise.resolve(options.registryRecord ?? { found: true, name: 'Harbour Bakery', status: 'active' });
    },
  };

  const nativeConnection = await NativeConnection.connect({ address: options.address });
  const connection = await Connection.connect({ address: options.address });
  const client = new Client({
    connection,
    namespace,
    interceptors: { workflow: [updatesSentAgainWhileBusy({ refused: () => (calls.busyRefusals += 1) })] },
  });
  const workflowCode =
    'bundle' in options.workflows
      ? { workflowBundle: options.workflows.bundle }
      : {
          workflowsPath: options.workflows.path,
          bundlerOptions: { preloadModules: [...SHARED_WORKFLOW_MODULES] },
        };
  const workers: Worker[] = [
    await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue,
      ...workflowCode,
      activities,
      interceptors: { workflowModules: [TRACE_PROPAGATION] },
    }),
  ];
  const agencies = new Set<string>();
  const agencyName = (agency: string): string => `${agency}-${options.suffix}`;
  const running: Promise<void>[] = [];

  async function serveAgency(agency: string): Promise<void> {
    if (agencies.has(agency)) return;
    agencies.add(agency);
    const stubs: Record<string, unknown> = Object.fromEntries(
      Object.entries(AGENCY_ACTIVITIES).map(([name, run]) => [
        name,
        (request: { stepId: string; application: Record<string, unknown> }) => {
          calls.agencyRuns.push({ agency, activity: name, stepId: request.stepId });
          return Promise.resolve(run(request.application));
        },
      ]),
    );
    // Every agency worker answers look-ups, as the agency SDK's does: here the provider's answer is stubbed.
    const registryLookup: RegistryLookupActivity = (request) => {
      calls.lookups.push(request);
      const requestHash = 'a'.repeat(64);
      if (options.registryRefuses)
        return Promise.resolve({ outcome: 'refused', requestHash, ...options.registryRefuses });
      const record = options.registryRecord ?? { found: true, name: 'Harbour Bakery', status: 'active' };
      const { found, ...fields } = record;
      return Promise.resolve({ outcome: 'answered', requestHash, found: found !== false, record: fields });
    };
    stubs[REGISTRY_LOOKUP_ACTIVITY] = registryLookup;
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue: agencyTaskQueue(agency),
      activities: stubs,
    });
    workers.push(worker);
    running.push(worker.run());
  }
  running.push(workers[0]!.run());

  const renameAgencies = (steps: readonly Step[]): Step[] =>
    steps.map((step) => {
      if ('parallel' in step) return { ...step, parallel: renameAgencies(step.parallel) };
      if (!('officer' in step) && !('citizenInput' in step) && !('lookup' in step)) {
        const renamed = { ...step };
        if (step.run) renamed.run = { ...step.run, agency: agencyName(step.run.agency) };
        if (step.compensate) renamed.compensate = { ...step.compensate, agency: agencyName(step.compensate.agency) };
        return renamed;
      }
      return step;
    });

  async function until(
    handle: WorkflowHandle,
    what: string,
    holds: (s: CaseState) => boolean,
    timeoutMs = 20_000,
  ): Promise<CaseState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await handle.query(caseStateQuery);
      if (holds(state)) return state;
      if (Date.now() > deadline)
        throw new Error(`case ${handle.workflowId}: waited ${timeoutMs} ms for ${what}: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function submit(
    handle: WorkflowHandle,
    stepId: string,
    result: (task: { taskId: string; attempt: number }) => TaskResultData,
  ): Promise<void> {
    const state = await until(
      handle,
      `a partner task on ${stepId}`,
      (s) => s.steps[stepId]?.status === 'awaiting-partner',
    );
    const step = state.steps[stepId]!;
    await handle.executeUpdate(submitTaskResult, {
      args: [{ partnerId: step.partnerId!, result: result({ taskId: step.taskId!, attempt: step.attempt! }) }],
    });
  }

  return {
    client,
    calls,
    taskQueue,
    own: (definition) => ({ ...definition, steps: renameAgencies(definition.steps) }),
    async start(caseId, started, application) {
      const down = (options.agenciesDown ?? []).map(agencyName);
      // A case's own agency asks its look-ups: a queue of this harness's own, so no other answers.
      const owner = started.ownerAgency.endsWith(`-${options.suffix}`)
        ? started.ownerAgency
        : agencyName(started.ownerAgency);
      const definition = { ...started, ownerAgency: owner };
      if (!down.includes(owner)) await serveAgency(owner);
      for (const step of flattenSteps(definition.steps))
        for (const agency of [
          'run' in step ? step.run?.agency : undefined,
          'compensate' in step ? step.compensate?.agency : undefined,
        ])
          if (agency && !down.includes(agency)) await serveAgency(agency);
      const input: ServiceCaseInput = { caseId, definition, application };
      return client.workflow.start('serviceCase', {
        taskQueue,
        workflowId: caseId,
        args: [input],
        // A dispatch that outlasts most of a workflow task makes the worker heartbeat the task: the
        // server then hands the case the answer while the dispatch is still running.
        ...(options.partnerAnswersWithinDispatch === 'after-a-heartbeat' ? { workflowTaskTimeout: '1 second' } : {}),
      });
    },
    until,
    untilStep: (handle, stepId, status, timeoutMs) =>
      until(handle, `step ${stepId} ${status}`, (s) => s.steps[stepId]?.status === status, timeoutMs),
    answer: (handle, stepId, output) => submit(handle, stepId, (task) => ({ ...task, outcome: 'completed', output })),
    fail: (handle, stepId, reason) => submit(handle, stepId, (task) => ({ ...task, outcome: 'failed', reason })),
    async decide(handle, stepId, decision, extra = {}) {
      // A task past its deadline may be escalated between reading its role and deciding: read again.
      for (let tries = 1; ; tries += 1) {
        const state = await until(handle, `an officer on ${stepId}`, (s) => s.steps[stepId]?.role !== undefined);
        try {
          await handle.executeUpdate(decideOfficerTask, {
            args: [
              {
                stepId,
                officerId: extra.officerId ?? 'officer-1',
                role: extra.role ?? state.steps[stepId]!.role!,
                decision,
                ...(extra.version !== undefined ? { version: extra.version } : {}),
                ...(extra.output ? { output: extra.output } : {}),
                ...(extra.reasons ? { reasons: extra.reasons } : {}),
              },
            ],
          });
          return;
        } catch (err) {
          const type = ((err as { cause?: { type?: string } }).cause ?? {}).type;
          if (extra.role || type !== 'CASE.WRONG_ROLE' || tries >= 3) throw err;
        }
      }
    },
    async claim(handle, stepId, officerId, extra = {}) {
      const state = await until(handle, `an officer on ${stepId}`, (s) => s.steps[stepId]?.role !== undefined);
      return handle.executeUpdate(claimOfficerTask, {
        args: [
          {
            stepId,
            officerId,
            role: state.steps[stepId]!.role!,
            action: extra.action ?? 'claim',
            ...(extra.version !== undefined ? { version: extra.version } : {}),
          },
        ],
      });
    },
    async provide(handle, stepId, values) {
      await until(handle, `citizen input on ${stepId}`, (s) => s.steps[stepId]?.status === 'awaiting-citizen');
      await handle.executeUpdate(provideCitizenInput, { args: [{ stepId, values }] });
    },
    async revoke(handle, stepId, reason) {
      await handle.executeUpdate(revokePartnerTask, { args: [{ stepId, revokedBy: 'officer-1', reason }] });
    },
    async history(handle) {
      return JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
    },
    async stop() {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running);
      await connection.close();
      await nativeConnection.close();
    },
  };
}

function flattenSteps(steps: readonly Step[]): Step[] {
  return steps.flatMap((s) => ('parallel' in s ? flattenSteps(s.parallel) : [s]));
}
