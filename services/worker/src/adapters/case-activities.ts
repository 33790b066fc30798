import { deprecationAttribute, retentionAttribute } from '@govmesh/contracts/cloud-event';
import { domainEventId, taskMessageId, unnumberedDispatchEventId } from '@govmesh/contracts/case-ids';
import { DOMAIN_EVENTS, EVENT_SOURCES } from '@govmesh/contracts/domain-events';
import {
  TASK_ASSIGNED,
  TASK_REVOKED,
  type TaskAssignedData,
  type TaskRejectionData,
} from '@govmesh/contracts/task-messages';
import { EVENTS_TOPIC, taskTopic } from '@govmesh/contracts/topics';
import type { CloudEventPublisher } from '@govmesh/messaging';
import type { CaseActivities, DomainEventRecord } from '@govmesh/workflows/case-activities';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';

import { dueAt, resumeStatutoryClock, startStatutoryClock } from '../domain/deadline.js';
import type { PartnerDirectory } from '../domain/partner-directory.js';
import type { WorkingCalendar } from '../domain/working-calendar.js';

export interface CaseActivityDeps {
  readonly publisher: CloudEventPublisher;
  readonly partners: PartnerDirectory;
  readonly logger: Logger;
  /** Weekends and public holidays for working-day deadlines; Monday to Friday in UTC by default. */
  readonly calendar?: WorkingCalendar;
  readonly now?: () => Date;
}

const SOURCE = EVENT_SOURCES.worker;

function leafPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    leafPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

export function createCaseActivities(deps: CaseActivityDeps): CaseActivities {
  const log = deps.logger.child({ component: 'case-activities' });
  const now = deps.now ?? (() => new Date());

  /** The event as it goes on the audit topic; refused when it does not match its contract. */
  function domainEvent(event: DomainEventRecord) {
    const def = DOMAIN_EVENTS[event.kind];
    const data = def.data.safeParse({ correlationId: event.caseId, causationId: event.causationId, ...event.data });
    if (!data.success) {
      throw ApplicationFailure.nonRetryable(
        `domain event ${event.kind} does not match its contract: ${data.error.message}`,
        'CONTRACT.INVALID_EVENT',
      );
    }
    return {
      topic: EVENTS_TOPIC,
      key: event.caseId,
      event: { id: domainEventId(event), type: def.type, source: SOURCE, subject: event.caseId, data: data.data },
    };
  }

  async function recordDomainEvent(event: DomainEventRecord): Promise<string> {
    const message = domainEvent(event);
    await deps.publisher.publishAll([message]);
    return message.event.id;
  }

  async function recordDomainEvents(events: readonly DomainEventRecord[]): Promise<void> {
    await deps.publisher.publishAll(events.map(domainEvent));
  }

  const activities: CaseActivities = {
    selectPartner({ taskType, strategy, exclude, only }) {
      return deps.partners.select({ taskType, strategy, exclude, ...(only ? { only } : {}) });
    },

    // One local activity where a case ran two (select, then dispatch): a workflow activation fewer
    // per partner step. With no partner eligible the case's events still reach the ledger.
    async dispatchToChosenPartner({ selection, ...request }) {
      const partnerId = await activities.selectPartner({ taskType: request.taskType, ...selection });
      if (!partnerId) {
        await recordDomainEvents(request.precedingEvents ?? []);
        return { partnerId: null };
      }
      return { partnerId, ...(await activities.dispatchTask({ ...request, partnerId })) };
    },

    async dispatchTask(request) {
      const preceding = (request.precedingEvents ?? []).map(domainEvent);
      // Defence in depth: a forged or stale definition must still never send core-and-critical work out.
      if ((request.classification.core && request.classification.critical) || request.mode === 'in-house') {
        const reasons = [
          `step ${request.stepId} is ${request.mode === 'in-house' ? 'in-house' : 'core and critical'}; it never leaves the government`,
        ];
        await deps.publisher.publishAll([
          ...preceding,
          domainEvent({
            kind: 'dispatchRefused',
            caseId: request.caseId,
            stepId: request.stepId,
            attempt: request.attempt,
            causationId: request.causationId,
            sequence: request.dispatchSequence ?? 0,
            data: { stepId: request.stepId, code: 'CONTROL.CORE_CRITICAL_DISPATCH', reasons },
          }),
        ]);
        log.error(
          { caseId: request.caseId, stepId: request.stepId, partnerId: request.partnerId },
          'refused to dispatch core-and-critical work',
        );
        throw ApplicationFailure.nonRetryable(reasons[0], 'CONTROL.CORE_CRITICAL_DISPATCH');
      }
      // Counted from when the dispatch was first scheduled, so a retry does not move the deadline.
      const scheduled = new Date(Context.current().info.scheduledTimestampMs);
      const deadline = dueAt(scheduled, request.deadline, deps.calendar);
      const data: TaskAssignedData = {
        taskId: request.taskId,
        caseId: request.caseId,
        stepId: request.stepId,
        taskType: request.taskType,
        attempt: request.attempt,
        deadline: deadline.toISOString(),
        input: request.input,
        ...(request.rework
          ? { rework: { previousAttempt: request.rework.previousAttempt, reasons: [...request.rework.reasons] } }
          : {}),
      };
      // One send: the case's events so far, the task to the partner and its taskDispatched event.
      await deps.publisher.publishAll([
        ...preceding,
        {
          topic: taskTopic(request.partnerId),
          key: request.caseId,
          event: {
            id: taskMessageId(request.taskId, request.attempt, 'assigned'),
            type: TASK_ASSIGNED,
            source: '/govmesh/dispatch',
            subject: request.caseId,
            // A deprecated major says so on the wire, so the partner hears of the sunset in time;
            // and the partner learns how long it may keep the case's data.
            ...(request.deprecation || request.retentionDays !== undefined
              ? {
                  extensions: {
                    ...(request.deprecation ? { deprecation: deprecationAttribute(request.deprecation) } : {}),
                    ...(request.retentionDays !== undefined
                      ? { retention: retentionAttribute(request.retentionDays) }
                      : {}),
                  },
                }
              : {}),
            data,
          },
        },
        {
          topic: EVENTS_TOPIC,
          key: request.caseId,
          event: {
            // Numbered by the case's journal; cases started before that keep the id they had.
            id:
              request.dispatchSequence === undefined
                ? unnumberedDispatchEventId(request.caseId, request.stepId, request.attempt)
                : domainEventId({
                    caseId: request.caseId,
                    stepId: request.stepId,
                    attempt: request.attempt,
                    kind: 'taskDispatched',
                    sequence: request.dispatchSequence,
                  }),
            type: DOMAIN_EVENTS.taskDispatched.type,
            source: SOURCE,
            subject: request.caseId,
            data: DOMAIN_EVENTS.taskDispatched.data.parse({
              correlationId: request.caseId,
              causationId: request.causationId,
              stepId: request.stepId,
              taskId: request.taskId,
              partnerId: request.partnerId,
              taskType: request.taskType,
              attempt: request.attempt,
              deadline: data.deadline,
              sharedFields: leafPaths(request.input),
            }),
          },
        },
      ]);
      log.info(
        { caseId: request.caseId, stepId: request.stepId, partnerId: request.partnerId, attempt: request.attempt },
        'task dispatched',
      );
      return { deadline: data.deadline, deadlineInMs: Math.max(0, deadline.getTime() - now().getTime()) };
    },

    async revokeTask(request) {
      const data: TaskRejectionData = {
        taskId: request.taskId,
        attempt: request.attempt,
        code: request.code,
        reasons: [...request.reasons],
      };
      await deps.publisher.publish(taskTopic(request.partnerId), request.caseId, {
        id: taskMessageId(request.taskId, request.attempt, 'revoked'),
        type: TASK_REVOKED,
        source: '/govmesh/dispatch',
        subject: request.caseId,
        data,
      });
    },

    recordDomainEvent,
    recordDomainEvents,

    computeDueDate({ deadline }) {
      // From when the activity was first scheduled, so a retry lands on the same day.
      const due = dueAt(new Date(Context.current().info.scheduledTimestampMs), deadline, deps.calendar);
      // Still a deadline, but one whose holidays nobody has listed yet: someone must extend the calendar.
      if (deadline.workingDays !== undefined && deps.calendar?.isBeyondKnownYears(due))
        log.warn(
          {
            due: due.toISOString(),
            jurisdiction: deps.calendar.jurisdiction,
            knownThrough: deps.calendar.knownThrough,
          },
          "a deadline falls after the last year the working-day calendar lists: that year's holidays are not counted; add them to GOVMESH_CALENDAR_FILE",
        );
      return Promise.resolve({ due: due.toISOString(), inMs: Math.max(0, due.getTime() - now().getTime()) });
    },

    statutoryClock({ deadline, warningAt, paused }) {
      // From when the activity was first scheduled, so a retry reads the same clock.
      const now = new Date(Context.current().info.scheduledTimestampMs);
      const clock = paused
        ? resumeStatutoryClock(
            { due: new Date(paused.due), warnAt: new Date(paused.warnAt) },
            deadline,
            new Date(paused.from),
            now,
            deps.calendar,
          )
        : startStatutoryClock(now, deadline, warningAt, deps.calendar);
      const { due, warnAt, ...pausedFor } = clock;
      return Promise.resolve({ due: due.toISOString(), warnAt: warnAt.toISOString(), ...pausedFor });
    },

    performLookup(request) {
      // Look-ups are asked of the provider's registry service by the case's own agency (the
      // registry-services marker); the worker keeps no agency's records. A case started before
      // that fails here with the reason, rather than wait on an answer nobody gives.
      return Promise.reject(
        ApplicationFailure.nonRetryable(
          `case ${request.caseId} started before look-ups went to registry services; ${request.agency}'s ${request.registry} is asked by the case's agency now`,
          'REGISTRY.ASK_THE_PROVIDER',
        ),
      );
    },
  };
  return activities;
}
