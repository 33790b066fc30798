import { effectiveMode } from '@govmesh/contracts/control-policy';
import { APPLICATION_SCHEMAS } from '@govmesh/contracts/applications';
import type {
  CitizenInputStep,
  Deadline,
  LookupStep,
  ServiceDefinition,
  Step,
  TaskStep,
} from '@govmesh/contracts/service-definition';
import type { TaskResultData } from '@govmesh/contracts/task-messages';
import { defaultTaskTypes } from '@govmesh/contracts/task-types';
import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

import {
  caseStateQuery,
  decideOfficerTask,
  provideCitizenInput,
  revokePartnerTask,
  submitTaskResult,
  type CaseOutcome,
  type CaseState,
  type CitizenInput,
  type OfficerDecision,
  type PartnerResult,
  type PartnerTaskRevocation,
  type ServiceCaseInput,
  type StepState,
} from './case-api.js';
import { domainEventId, type AgencyActivity, type CaseActivities, type DomainEventRecord } from './case-activities.js';
import type { DomainEventKind } from '@govmesh/contracts/domain-events';
import { conditionHolds } from './step-condition.js';
import { agencyTaskQueue } from './task-queues.js';

const ACTIVITY_OPTIONS = {
  // Each is a publish or a look-up: a worker that died holding one is noticed within seconds.
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['CONTROL.CORE_CRITICAL_DISPATCH'],
  },
} satisfies ActivityOptions;
const activities = proxyActivities<CaseActivities>(ACTIVITY_OPTIONS);
/**
 * Recording a domain event and choosing a partner run as local activities: in the worker, without
 * a round trip to the Temporal server each (a partner step went from 20 state transitions to
 * 4; bench/RESULTS.md). A local activity may run twice if the worker dies before
 * the workflow task completes; the event id is the case's sequence number, so the ledger keeps one.
 */
const localActivities =
  proxyLocalActivities<
    Pick<
      CaseActivities,
      'recordDomainEvent' | 'recordDomainEvents' | 'selectPartner' | 'dispatchTask' | 'computeDueDate'
    >
  >(ACTIVITY_OPTIONS);
const taskTypes = defaultTaskTypes();

/** A partner task as the case knows it; the source of truth for which result may be accepted. */
interface Assignment {
  readonly stepId: string;
  readonly taskType: string;
  partnerId: string;
  attempt: number;
  open: boolean;
  result?: TaskResultData;
  outputDigest?: string;
  revocation?: PartnerTaskRevocation;
}

interface OfficerTiming {
  readonly deadline?: Deadline | undefined;
  readonly escalateTo?: string | undefined;
  readonly reviewOf?: { taskId: string; partnerId: string; attempt: number; resultDigest?: string };
}

interface OfficerTask {
  role: string;
  readonly kind: 'officer' | 'review' | 'fallback';
  decision?: OfficerDecision;
}

class StepFailed extends Error {
  constructor(
    readonly stepId: string,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** The applicant never answered and the definition says to withdraw the case. */
class CaseWithdrawn extends Error {
  constructor(
    readonly stepId: string,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * One citizen's case: interprets the service definition it was started with, step by step.
 * In-house work runs on the agency's own task queue or waits for an officer; partner work is
 * dispatched over Kafka and resumes when the bridge hands over a result the case accepts.
 */
export async function serviceCase(input: ServiceCaseInput): Promise<CaseOutcome> {
  const { caseId, definition } = input;
  const application: Record<string, unknown> = clone(input.application);
  const state: CaseState = {
    caseId,
    serviceId: definition.id,
    serviceVersion: definition.version,
    status: 'running',
    steps: {},
  };
  const assignments = new Map<string, Assignment>();
  const officerTasks = new Map<string, OfficerTask>();
  const citizenRequests = new Map<string, { fields: readonly string[]; provided?: Record<string, unknown> }>();
  /** `taskId#partnerId#attempt` of every attempt taken back: a late answer to one is TASK.REVOKED. */
  const revokedAttempts = new Set<string>();
  // Cases started before events were recorded locally replay with the activities they ran then.
  const local = patched('local-events-and-selection') ? localActivities : activities;
  // Dispatching and reckoning deadlines locally too: the partner step then costs no remote activity,
  // only the Kafka leg and the Update. A task sent twice (a worker crash) has the same task id and
  // attempt; the case takes one answer and refuses the second as TASK.DUPLICATE_RESULT.
  const localDispatch = patched('local-dispatch-and-deadlines') ? localActivities : activities;
  // Events are kept until the case next waits, calls out or ends, then published in one batch
  // (with a dispatch, in the same send as the task): a partner step costs one publish, not five.
  // Not inside parallel steps: there, how branches interleave would decide how many publishes
  // there are, and a replay that sees two results at once, where the first run saw them one
  // after the other, would schedule them differently (a nondeterminism error). Branches record
  // each event as it happens, as before batching.
  const batched = patched('batched-domain-events');
  const recorded: DomainEventRecord[] = [];
  let parallelDepth = 0;
  let lastEventId = caseId;
  let eventSequence = 0;

  for (const step of flatten(definition.steps)) {
    state.steps[step.id] = {
      id: step.id,
      mode: 'classification' in step ? effectiveMode(step) : 'in-house',
      status: 'pending',
    };
  }

  setHandler(caseStateQuery, () => state);
  setHandler(submitTaskResult, (r) => acceptResult(r), {
    validator: (r: PartnerResult) => validateResult(assignments, revokedAttempts, r),
  });
  setHandler(
    revokePartnerTask,
    (r) => {
      assignments.get(`${caseId}:${r.stepId}`)!.revocation = r;
      return 'revoked' as const;
    },
    {
      validator: (r: PartnerTaskRevocation) => {
        const a = assignments.get(`${caseId}:${r.stepId}`);
        const refuse = (type: string, message: string): never => {
          throw ApplicationFailure.create({ type, message, nonRetryable: true });
        };
        if (!a || !a.open || a.result || a.revocation)
          refuse('CASE.NO_OPEN_PARTNER_TASK', `step ${r.stepId} has no partner task to revoke`);
        if (r.partnerId && a!.partnerId !== r.partnerId)
          refuse('CASE.NOT_WITH_PARTNER', `step ${r.stepId} is with ${a!.partnerId}, not ${r.partnerId}`);
      },
    },
  );
  setHandler(
    decideOfficerTask,
    (d) => {
      officerTasks.get(d.stepId)!.decision = d;
      return 'accepted' as const;
    },
    { validator: (d: OfficerDecision) => validateDecision(officerTasks, d) },
  );
  setHandler(
    provideCitizenInput,
    (c) => {
      citizenRequests.get(c.stepId)!.provided = c.values;
      return 'accepted' as const;
    },
    {
      validator: (c: CitizenInput) => {
        const request = citizenRequests.get(c.stepId);
        if (!request || request.provided)
          throw ApplicationFailure.create({
            type: 'CASE.NOT_AWAITING_INPUT',
            message: `step ${c.stepId} is not waiting for citizen input`,
            nonRetryable: true,
          });
        const missing = request.fields.filter((f) => !(f in c.values));
        if (missing.length)
          throw ApplicationFailure.create({
            type: 'CASE.INPUT_INCOMPLETE',
            message: `missing ${missing.join(', ')}`,
            nonRetryable: true,
          });
        const problems = invalidInput(definition.application.schema, application, c.values);
        if (problems.length)
          throw ApplicationFailure.create({
            type: 'CASE.INPUT_INVALID',
            message: problems.join('; '),
            details: [problems],
            nonRetryable: true,
          });
      },
    },
  );

  function acceptResult({ result, outputDigest }: PartnerResult): 'accepted' {
    const assignment = assignments.get(result.taskId)!;
    assignment.result = result;
    if (outputDigest) assignment.outputDigest = outputDigest;
    return 'accepted';
  }

  async function record(
    kind: DomainEventKind,
    data: Record<string, unknown>,
    stepId?: string,
    attempt?: number,
  ): Promise<void> {
    eventSequence += 1;
    const event: DomainEventRecord = {
      kind,
      caseId,
      causationId: lastEventId,
      sequence: eventSequence,
      data,
      ...(stepId ? { stepId } : {}),
      ...(attempt ? { attempt } : {}),
    };
    if (!batched || parallelDepth > 0) {
      lastEventId = await local.recordDomainEvent(event);
      return;
    }
    recorded.push(event);
    lastEventId = domainEventId(event);
  }

  /**
   * Publishes what was recorded since the last publish; nothing waits or ends unrecorded. Callers
   * check `recorded.length` first: with nothing to publish the case must not await at all, so that
   * its steps interleave exactly as they did before batching.
   */
  async function publishRecorded(): Promise<void> {
    await localActivities.recordDomainEvents(recorded.splice(0));
  }

  /** `condition`, once the ledger has every event so far: a case may wait for weeks. */
  function waitUntil(fn: () => boolean): Promise<void>;
  function waitUntil(fn: () => boolean, timeoutMs: number): Promise<boolean>;
  function waitUntil(fn: () => boolean, timeoutMs?: number): Promise<void | boolean> {
    const wait = (): Promise<void | boolean> => (timeoutMs === undefined ? condition(fn) : condition(fn, timeoutMs));
    return recorded.length > 0 ? publishRecorded().then(wait) : wait();
  }

  async function runStep(step: Step): Promise<void> {
    const stepState = state.steps[step.id];
    if (
      step.when !== undefined &&
      !conditionHolds(step.when, { application: { ...application }, steps: state.steps })
    ) {
      if (stepState) stepState.status = 'skipped';
      if (stepState)
        await record('stepCompleted', { stepId: step.id, mode: stepState.mode, outcome: 'skipped' }, step.id);
      return;
    }
    if ('parallel' in step) {
      if (recorded.length > 0) await publishRecorded();
      parallelDepth += 1;
      try {
        await Promise.all(step.parallel.map(runStep));
      } finally {
        parallelDepth -= 1;
      }
      return;
    }
    const s = stepState!;
    s.status = 'running';
    await record('stepStarted', { stepId: step.id, mode: s.mode }, step.id);
    if ('citizenInput' in step) s.output = await runCitizenInput(step, s);
    else if ('lookup' in step) s.output = await runLookup(step);
    else s.output = await runTask(step, s);
    s.status = 'completed';
    await record('stepCompleted', { stepId: step.id, mode: s.mode, outcome: 'completed' }, step.id);
  }

  async function runTask(step: TaskStep, s: StepState): Promise<Record<string, unknown>> {
    // Routed by who does the work, not by mode: a forged in-house step with partners still goes
    // through dispatchTask, which refuses it and records the refusal in the ledger.
    if (step.partners) return await runPartnerTask(step, s);
    if (step.run) {
      const agency = proxyActivities<Record<string, AgencyActivity>>({
        taskQueue: agencyTaskQueue(step.run.agency),
        startToCloseTimeout: '1 minute',
      });
      if (recorded.length > 0) await publishRecorded();
      return await agency[step.run.activity]!({ caseId, stepId: step.id, application });
    }
    if (step.officer)
      return await awaitOfficer(step.id, s, step.officer.role, 'officer', {
        deadline: step.officer.deadline,
        escalateTo: step.officer.escalateTo,
      });
    throw new StepFailed(step.id, 'DEFINITION.NO_EXECUTOR', `step ${step.id} has no run, officer or partners`);
  }

  async function runPartnerTask(step: TaskStep, s: StepState): Promise<Record<string, unknown>> {
    const selection = step.partners!;
    const taskId = `${caseId}:${step.id}`;
    const select = (exclude: readonly string[]) =>
      local.selectPartner({
        taskType: step.task!,
        strategy: selection.select,
        exclude: [...exclude],
        ...(selection.only ? { only: selection.only } : {}),
      });
    const tried: string[] = [];
    let attempt = 0;
    let reworks = 0;
    let rework: { previousAttempt: number; reasons: string[] } | undefined;
    let partnerId: string | null = null;
    while (tried.length <= selection.maxReassignments) {
      partnerId = partnerId ?? (await select(tried));
      if (!partnerId) break;
      attempt += 1;
      const assignment: Assignment = { stepId: step.id, taskType: step.task!, partnerId, attempt, open: true };
      assignments.set(taskId, assignment);
      Object.assign(s, { status: 'awaiting-partner', partnerId, taskId, attempt });
      const receipt = await dispatch(step, s, taskId, partnerId, attempt, rework);
      rework = undefined;
      s.deadline = receipt.deadline;
      const settled = await waitUntil(
        () => assignment.result !== undefined || assignment.revocation !== undefined,
        receipt.deadlineInMs,
      );
      assignment.open = false;
      let why: string;
      if (!assignment.result) {
        revokedAttempts.add(`${taskId}#${partnerId}#${attempt}`);
        const r = assignment.revocation;
        if (settled && r) {
          const code = r.code ?? 'TASK.REVOKED';
          if (recorded.length > 0) await publishRecorded();
          await activities.revokeTask({ caseId, taskId, partnerId, attempt, code, reasons: [r.reason] });
          await record(
            'taskRevoked',
            { stepId: step.id, taskId, partnerId, attempt, code, revokedBy: r.revokedBy, reason: r.reason },
            step.id,
            attempt,
          );
          why = r.reason;
        } else {
          if (recorded.length > 0) await publishRecorded();
          await activities.revokeTask({
            caseId,
            taskId,
            partnerId,
            attempt,
            code: 'TASK.DEADLINE_PASSED',
            reasons: [`the deadline ${receipt.deadline} passed`],
          });
          await record(
            'deadlineBreached',
            { stepId: step.id, taskId, partnerId, attempt, deadline: receipt.deadline },
            step.id,
            attempt,
          );
          why = 'the deadline passed';
        }
      } else {
        const result = assignment.result;
        const outputDigest = assignment.outputDigest;
        await record(
          'resultAccepted',
          {
            stepId: step.id,
            taskId,
            partnerId,
            attempt,
            outcome: result.outcome,
            ...(outputDigest ? { outputDigest } : {}),
          },
          step.id,
          attempt,
        );
        why = 'the partner could not do the task';
        if (result.outcome === 'completed') {
          if (s.mode !== 'controlled') return result.output;
          s.output = result.output;
          const review = await awaitOfficerDecision(step.id, s, step.review!.role, 'review', {
            deadline: step.review!.deadline,
            escalateTo: step.review!.escalateTo,
            reviewOf: { taskId, partnerId, attempt, ...(outputDigest ? { resultDigest: outputDigest } : {}) },
          });
          if (review.decision === 'approve') return result.output;
          delete s.output;
          const reasons = review.reasons?.length ? [...review.reasons] : ['the reviewing officer gave no reasons'];
          if (review.decision === 'request-rework' && reworks < (step.review!.maxReworks ?? 2)) {
            reworks += 1;
            rework = { previousAttempt: attempt, reasons };
            continue; // the same partner does the work again, as a new attempt, with the reasons
          }
          why = `the reviewing officer did not accept the result: ${reasons.join('; ')}`;
        }
      }
      tried.push(partnerId);
      const previous = partnerId;
      partnerId = tried.length <= selection.maxReassignments ? await select(tried) : null;
      if (partnerId) {
        await record(
          'taskReassigned',
          {
            stepId: step.id,
            taskId,
            fromPartnerId: previous,
            toPartnerId: partnerId,
            attempt: attempt + 1,
            reason: why,
          },
          step.id,
          attempt + 1,
        );
      } else break;
    }
    const fallback = selection.fallback;
    if ('role' in fallback) {
      await record(
        'fellBackInHouse',
        {
          stepId: step.id,
          role: fallback.role,
          reason: tried.length ? `no partner delivered after ${tried.length} partner(s)` : 'no eligible partner',
        },
        step.id,
      );
      s.mode = 'in-house';
      // The officer gets the same time the partners had: the case never waits without a deadline.
      return await awaitOfficer(step.id, s, fallback.role, 'fallback', { deadline: step.deadline });
    }
    throw new StepFailed(
      step.id,
      'STEP.NO_PARTNER_DELIVERED',
      `no partner delivered ${step.task} and the step's fallback is to fail`,
    );
  }

  async function dispatch(
    step: TaskStep,
    s: StepState,
    taskId: string,
    partnerId: string,
    attempt: number,
    rework?: { previousAttempt: number; reasons: string[] },
  ) {
    try {
      return await localDispatch.dispatchTask({
        caseId,
        stepId: step.id,
        taskId,
        taskType: step.task!,
        partnerId,
        attempt,
        classification: step.classification,
        mode: s.mode,
        deadline: step.deadline!,
        input: pick(application, step.share),
        causationId: lastEventId,
        ...(rework ? { rework } : {}),
        ...(recorded.length > 0 ? { precedingEvents: recorded.splice(0) } : {}),
      });
    } catch (err) {
      // A remote activity's failure arrives as an ActivityFailure around it, a local one's may not.
      let refusal: unknown = err;
      while (refusal instanceof ActivityFailure) refusal = refusal.cause;
      if (refusal instanceof ApplicationFailure && refusal.type === 'CONTROL.CORE_CRITICAL_DISPATCH') {
        throw new StepFailed(step.id, refusal.type, refusal.message);
      }
      throw err;
    }
  }

  async function awaitOfficer(
    stepId: string,
    s: StepState,
    role: string,
    kind: OfficerTask['kind'],
    timing: OfficerTiming = {},
  ): Promise<Record<string, unknown>> {
    for (;;) {
      const d = await awaitOfficerDecision(stepId, s, role, kind, timing);
      if (d.decision !== 'request-information') {
        if (kind === 'officer') state.decision = d.decision === 'approve' ? 'approved' : 'rejected';
        return { ...(d.output ?? {}), decision: d.decision, decidedBy: d.officerId };
      }
      const fields = Array.isArray(d.output?.fields) ? (d.output.fields as string[]) : [];
      await collectCitizenInput(stepId, s, fields);
    }
  }

  /**
   * Waits for an officer's decision. Past the deadline the task is escalated to a supervisor role
   * and recorded; the supervisor gets the same time again, and so on, so nothing waits unnoticed.
   */
  async function awaitOfficerDecision(
    stepId: string,
    s: StepState,
    role: string,
    kind: OfficerTask['kind'],
    timing: OfficerTiming = {},
  ): Promise<OfficerDecision> {
    const task: OfficerTask = { role, kind };
    officerTasks.set(stepId, task);
    Object.assign(s, { status: kind === 'review' ? 'awaiting-review' : 'awaiting-officer', role });
    if (!timing.deadline) await waitUntil(() => task.decision !== undefined);
    else {
      let due = await localDispatch.computeDueDate({ deadline: timing.deadline });
      s.deadline = due.due;
      while (!(await waitUntil(() => task.decision !== undefined, due.inMs))) {
        const toRole = timing.escalateTo ?? `${role}-supervisor`;
        due = await localDispatch.computeDueDate({ deadline: timing.deadline });
        await record('officerTaskEscalated', { stepId, fromRole: task.role, toRole, deadline: due.due }, stepId);
        s.escalatedFrom ??= task.role;
        task.role = toRole;
        Object.assign(s, { role: toRole, deadline: due.due });
      }
    }
    officerTasks.delete(stepId);
    const d = task.decision!;
    // Before the record: whoever asks right after deciding must not see the task still waiting.
    s.status = 'running';
    delete s.role;
    const reasons = d.reasons?.length ? { reasons: [...d.reasons] } : {};
    await record(
      'reviewDecided',
      {
        stepId,
        role: d.role,
        officerId: d.officerId,
        decision: d.decision,
        task: kind,
        ...timing.reviewOf,
        ...reasons,
      },
      stepId,
    );
    return d;
  }

  async function collectCitizenInput(
    stepId: string,
    s: StepState,
    fields: readonly string[],
    timing?: CitizenInputStep['citizenInput'],
  ): Promise<Record<string, unknown>> {
    const request: { fields: readonly string[]; provided?: Record<string, unknown> } = { fields };
    citizenRequests.set(stepId, request);
    s.status = 'awaiting-citizen';
    const named = fields.length ? [...fields] : ['(free text)'];
    await record('citizenInputRequested', { stepId, fields: named }, stepId);
    if (!timing?.deadline) await waitUntil(() => request.provided !== undefined);
    else {
      let due = await localDispatch.computeDueDate({ deadline: timing.deadline });
      s.deadline = due.due;
      for (let reminded = 0; !(await waitUntil(() => request.provided !== undefined, due.inMs)); reminded += 1) {
        if (reminded < (timing.reminders ?? 1)) {
          due = await localDispatch.computeDueDate({ deadline: timing.deadline });
          s.deadline = due.due;
          await record('citizenInputReminded', { stepId, fields: named, deadline: due.due }, stepId);
          continue;
        }
        citizenRequests.delete(stepId);
        if ((timing.onExpiry ?? 'withdraw') === 'withdraw') {
          throw new CaseWithdrawn(
            stepId,
            'CASE.NO_CITIZEN_INPUT',
            `the applicant did not provide ${named.join(', ')} by ${due.due}`,
          );
        }
        s.status = 'running';
        return {};
      }
    }
    citizenRequests.delete(stepId);
    for (const [path, value] of Object.entries(request.provided!)) assign(application, path, value);
    await record(
      'citizenInputProvided',
      { stepId, fields: Object.keys(request.provided!).length ? Object.keys(request.provided!) : ['(free text)'] },
      stepId,
    );
    s.status = 'running';
    return request.provided!;
  }

  async function runCitizenInput(step: CitizenInputStep, s: StepState): Promise<Record<string, unknown>> {
    return await collectCitizenInput(step.id, s, step.citizenInput.fields, step.citizenInput);
  }

  async function runLookup(step: LookupStep): Promise<Record<string, unknown>> {
    const { agency, registry, purpose, key, fields } = step.lookup;
    if (recorded.length > 0) await publishRecorded();
    const record_ = await activities.performLookup({
      caseId,
      stepId: step.id,
      agency,
      registry,
      purpose,
      key: get(application, key),
    });
    // Once-only, and no more than that: the case takes the named fields and nothing else.
    const found = record_.found === true;
    const taken: Record<string, unknown> = { found };
    for (const field of fields) if (found && field in record_) taken[field] = record_[field];
    await record(
      'lookupPerformed',
      { stepId: step.id, agency, registry, purpose, found, fields: Object.keys(taken).filter((f) => f !== 'found') },
      step.id,
    );
    return taken;
  }

  async function runCase(): Promise<CaseOutcome> {
    if (definition.statutoryDeadline)
      state.deadline = (await localDispatch.computeDueDate({ deadline: definition.statutoryDeadline })).due;
    await record('caseSubmitted', {
      serviceId: definition.id,
      serviceVersion: definition.version,
      ...(state.deadline ? { statutoryDeadline: state.deadline } : {}),
    });
    try {
      for (const step of definition.steps) await runStep(step);
    } catch (err) {
      if (err instanceof CaseWithdrawn) {
        state.status = 'withdrawn';
        const s = state.steps[err.stepId];
        if (s) Object.assign(s, { status: 'failed', reason: err.message });
        await record('caseWithdrawn', { code: err.code, reason: err.message });
        return { caseId, status: 'withdrawn', reason: err.message };
      }
      if (!(err instanceof StepFailed)) throw err;
      state.status = 'failed';
      const s = state.steps[err.stepId];
      if (s) Object.assign(s, { status: 'failed', reason: err.message });
      log.warn('case failed', { caseId, stepId: err.stepId, code: err.code });
      await record('caseFailed', { code: err.code, reason: err.message });
      return { caseId, status: 'failed', reason: err.message };
    }
    state.status = 'completed';
    state.decision = state.decision ?? 'completed';
    await record('caseCompleted', { decision: state.decision });
    return { caseId, status: 'completed', decision: state.decision };
  }

  try {
    const outcome = await runCase();
    if (recorded.length > 0) await publishRecorded();
    return outcome;
  } catch (err) {
    // Even a case that fails or is cancelled leaves its whole trail in the ledger.
    if (recorded.length > 0) await CancellationScope.nonCancellable(publishRecorded);
    throw err;
  }
}

/** Refuses a result the case did not ask this partner for, a second result, or an invalid output. */
function validateResult(
  assignments: ReadonlyMap<string, Assignment>,
  revoked: ReadonlySet<string>,
  { partnerId, result }: PartnerResult,
): void {
  const refuse = (type: string, message: string, reasons: string[] = [message]): never => {
    throw ApplicationFailure.create({ type, message, details: [reasons], nonRetryable: true });
  };
  if (revoked.has(`${result.taskId}#${partnerId}#${result.attempt}`)) {
    refuse(
      'TASK.REVOKED',
      `task ${result.taskId} attempt ${result.attempt} was taken back from ${partnerId} before this result arrived`,
    );
  }
  const assignment = assignments.get(result.taskId);
  if (!assignment) refuse('TASK.UNKNOWN', `task ${result.taskId} is not part of this case`);
  const a = assignment!;
  if (a.partnerId !== partnerId || a.attempt !== result.attempt) {
    refuse('TASK.NOT_ASSIGNED', `task ${result.taskId} attempt ${result.attempt} is not assigned to ${partnerId}`);
  }
  if (a.result) refuse('TASK.DUPLICATE_RESULT', `task ${result.taskId} attempt ${result.attempt} already has a result`);
  if (!a.open) refuse('TASK.NOT_ASSIGNED', `task ${result.taskId} attempt ${result.attempt} is no longer open`);
  if (result.outcome === 'completed') {
    const contract = taskTypes.get(a.taskType);
    const parsed = contract?.output.safeParse(result.output);
    if (parsed && !parsed.success) {
      const reasons = parsed.error.issues.map((i) => `output.${i.path.map(String).join('.')}: ${i.message}`);
      refuse('CONTRACT.INVALID_OUTPUT', `the output does not match ${a.taskType}`, reasons);
    }
  }
}

const ALLOWED: Record<OfficerTask['kind'], readonly string[]> = {
  officer: ['approve', 'reject', 'request-information'],
  fallback: ['approve', 'reject', 'request-information'],
  review: ['approve', 'reject', 'request-rework'],
};

/** Problems with a citizen's values, checked against the service's application schema. */
function invalidInput(
  schemaRef: string,
  application: Record<string, unknown>,
  values: Record<string, unknown>,
): string[] {
  const schema = APPLICATION_SCHEMAS[schemaRef];
  if (!schema) return [];
  const merged = clone(application);
  for (const [path, value] of Object.entries(values)) assign(merged, path, value);
  const parsed = schema.safeParse(merged);
  if (parsed.success) return [];
  const paths = Object.keys(values);
  return parsed.error.issues
    .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
    .filter((i) => paths.some((p) => i.path === p || i.path.startsWith(`${p}.`)))
    .map((i) => `${i.path}: ${i.message}`);
}

function validateDecision(tasks: ReadonlyMap<string, OfficerTask>, d: OfficerDecision): void {
  const task = tasks.get(d.stepId);
  const refuse = (type: string, message: string): never => {
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  };
  if (!task || task.decision) refuse('CASE.NOT_AWAITING_DECISION', `step ${d.stepId} is not waiting for an officer`);
  if (task!.role !== d.role)
    refuse('CASE.WRONG_ROLE', `step ${d.stepId} must be decided by a ${task!.role}, not a ${d.role}`);
  if (!ALLOWED[task!.kind].includes(d.decision))
    refuse('CASE.DECISION_NOT_ALLOWED', `a ${task!.kind} decision is one of ${ALLOWED[task!.kind].join(', ')}`);
}

function flatten(steps: readonly Step[]): Step[] {
  return steps.flatMap((s) => ('parallel' in s ? [s, ...flatten(s.parallel)] : [s])).filter((s) => !('parallel' in s));
}

function get(source: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      source,
    );
}

function assign(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** Plain JSON data only crosses into a case, so a JSON round trip is a faithful copy. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Data minimization: a copy of the application holding only the `share` paths. */
export function pick(source: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const value = get(source, path);
    if (value !== undefined) assign(out, path, clone(value));
  }
  return out;
}

export type { ServiceDefinition };
